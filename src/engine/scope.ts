/**
 * Memory scopes. Node-API finalizers only run after the event loop yields, so tensors made in
 * a synchronous loop would pile up; instead every tensor is registered with the innermost open
 * scope, and `tidy(fn)` disposes all tensors made inside `fn` except those it returns (like
 * tf.tidy). `keep(t)` takes a tensor out of scope management so it lives until `t.dispose()`.
 *
 * Only synchronous callbacks may be scoped: an async function would interleave scopes.
 */

/** What a scope can dispose. Implemented by Tensor. */
export interface Scoped {
  dispose(): void;
  /** The scope that will dispose this object, or null when it is kept. */
  scope: Set<Scoped> | null;
}

const stack: Set<Scoped>[] = [];

/** Registers a new object with the innermost scope (no-op outside scopes). */
export function track(item: Scoped): void {
  const top = stack[stack.length - 1];
  if (top !== undefined) {
    top.add(item);
    item.scope = top;
  }
}

/** Removes `item` from scope management: it lives until disposed explicitly. */
export function keep<X extends Scoped>(item: X): X {
  item.scope?.delete(item);
  item.scope = null;
  return item;
}

/** Collects the scoped objects reachable in a result (objects, arrays, maps; no cycles). */
function collect(value: unknown, into: Set<Scoped>, isScoped: (v: unknown) => v is Scoped, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (isScoped(value)) {
    into.add(value);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, into, isScoped, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) collect(v, into, isScoped, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, into, isScoped, depth + 1);
  }
}

let scopedCheck: (v: unknown) => v is Scoped = (v): v is Scoped => false;
let disposeMany: (items: Scoped[]) => void = (items) => items.forEach((item) => item.dispose());

/**
 * Set once by tensor.ts, so this file needs no import of Tensor: how to recognise a scoped
 * object, and how to dispose many at once (one native call for a whole scope).
 */
export function setScopedHooks(check: (v: unknown) => v is Scoped, disposeAll: (items: Scoped[]) => void): void {
  scopedCheck = check;
  disposeMany = disposeAll;
}

/**
 * Runs `fn` in a new scope, then disposes every tensor created in it except those reachable
 * from its result (a tensor, or arrays / plain objects / maps of them), which move to the
 * enclosing scope.
 */
export function tidy<R>(fn: () => R): R {
  const scope = new Set<Scoped>();
  stack.push(scope);
  let result: R;
  try {
    result = fn();
  } catch (error) {
    stack.pop();
    disposeMany([...scope]);
    throw error;
  }
  stack.pop();
  if (result instanceof Promise) {
    throw new TypeError('tidy: the callback returned a Promise; scopes only work with synchronous functions');
  }
  const survivors = new Set<Scoped>();
  collect(result, survivors, scopedCheck);
  const parent = stack[stack.length - 1] ?? null;
  const doomed: Scoped[] = [];
  for (const item of scope) {
    if (survivors.has(item)) {
      item.scope = parent;
      parent?.add(item);
    } else {
      doomed.push(item);
    }
  }
  disposeMany(doomed);
  return result;
}

/** Number of open scopes (for tests and diagnostics). */
export function scopeDepth(): number {
  return stack.length;
}

/**
 * `x` through `steps` in order, each intermediate result freed as soon as the next step has read
 * it rather than when the scope ends, so that the allocator hands its memory straight to the next
 * step (as PyTorch's reference counting does). Autograd keeps what its backward pass needs itself.
 * `x` is the caller's and is kept; a step may return its input unchanged.
 */
export function through<X extends Scoped>(x: X, ...steps: ((input: X) => X)[]): X {
  let y = x;
  for (const step of steps) {
    const next = step(y);
    if (y !== x && next !== y) y.dispose();
    y = next;
  }
  return y;
}
