/**
 * loadModule: the module comes back with its weights, and nothing is left behind when the config
 * is refused or the weights do not fit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { nn, liveTensors, saveCheckpoint, loadModule, StateDictError } from './index.js';
import { temporaryDirectory } from '../testing/helpers.js';

const dir = temporaryDirectory('mst-checkpoint-');
const path = join(dir, 'linear.safetensors');
const saved = new nn.Linear(3, 2);
saveCheckpoint(path, saved, { inputs: 3, outputs: 2 });

test('loadModule builds the module from the saved config and loads its weights', () => {
  const { module, config } = loadModule<{ inputs: number; outputs: number }, nn.Linear>(path, (c) => new nn.Linear(c.inputs, c.outputs));
  assert.deepEqual(config, { inputs: 3, outputs: 2 });
  assert.deepEqual(module.weight.toFloat32Array(), saved.weight.toFloat32Array());
  module.dispose();
});

test('a refused config or weights that do not fit leave no tensor behind', () => {
  const before = liveTensors();
  assert.throws(() => loadModule(path, () => { throw new RangeError('not this one'); }), /not this one/);
  assert.equal(liveTensors(), before, 'refused config');
  assert.throws(() => loadModule(path, () => new nn.Linear(4, 2)), (e: Error) => e instanceof StateDictError);
  assert.equal(liveTensors(), before, 'weights of another shape: the module and the checkpoint freed');
  assert.throws(
    () => loadModule(path, () => new nn.Linear(4, 2), (error) => new Error(`wrapped: ${error.message}`)),
    /^Error: wrapped: /,
  );
  assert.equal(liveTensors(), before);
});
