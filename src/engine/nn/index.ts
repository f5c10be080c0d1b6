export { Module, type StateDict } from './module.js';
export * from './layers.js';
export { MultiheadAttention, type MultiheadAttentionOptions } from './attention.js';
export * as init from './init.js';
