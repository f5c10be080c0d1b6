/**
 * In-place ops give the values of their out-of-place twins, in the same tensor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAllClose } from '../testing/helpers.js';
import { tensor, tidy, type Tensor } from './index.js';

test('in-place ops equal their out-of-place versions and return the same tensor', () => {
  tidy(() => {
    const base = tensor([0.5, 1.5, 2.0, 3.5, 0.25]);
    const other = tensor([2, 4, 8, 16, 32]);
    const cases: [string, (t: Tensor) => Tensor, (t: Tensor) => Tensor][] = [
      ['log_', (t) => t.log_(), (t) => t.log()],
      ['exp_', (t) => t.exp_(), (t) => t.exp()],
      ['sqrt_', (t) => t.sqrt_(), (t) => t.sqrt()],
      ['abs_', (t) => t.neg_().abs_(), (t) => t.neg().abs()],
      ['neg_', (t) => t.neg_(), (t) => t.neg()],
      ['relu_', (t) => t.sub_(1).relu_(), (t) => t.sub(1).relu()],
      ['tanh_', (t) => t.tanh_(), (t) => t.tanh()],
      ['sigmoid_', (t) => t.sigmoid_(), (t) => t.sigmoid()],
      ['clamp_', (t) => t.clamp_(1, 3), (t) => t.clamp(1, 3)],
      ['div_ tensor', (t) => t.div_(other), (t) => t.div(other)],
      ['div_ number', (t) => t.div_(4), (t) => t.div(4)],
      ['sub_ alpha', (t) => t.sub_(other, 0.5), (t) => t.sub(other.mul(0.5))],
      ['mul_ add_', (t) => t.mul_(3).add_(other), (t) => t.mul(3).add(other)],
    ];
    for (const [name, inPlace, outOfPlace] of cases) {
      const t = base.clone();
      const returned = inPlace(t);
      assert.equal(returned, t, `${name} returns its tensor`);
      assertAllClose(t.toFloat32Array(), outOfPlace(base).toFloat32Array(), { what: name });
    }
  });
});
