/** mst: the library entry point. For now, the engine. */
export * as engine from './engine/index.js';
