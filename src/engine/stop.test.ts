/**
 * SIGINT and SIGTERM noticed inside a synchronous computation: the next throwIfStopped() raises
 * InterruptedError with the signal's name and exit status, and the handler the watch found
 * (Node's, with the program's listener) still runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const stop = fileURLToPath(new URL('./stop.js', import.meta.url));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`a ${signal} during synchronous work is seen at the next check and still reaches the program's handler`, () => {
    const script = `
      import { throwIfStopped } from ${JSON.stringify(stop)};
      let handled = false;
      process.on(${JSON.stringify(signal)}, () => { handled = true; });
      throwIfStopped(); // the watch begins, over Node's handler
      process.kill(process.pid, ${JSON.stringify(signal)});
      let error = null;
      for (const until = Date.now() + 5000; error === null && Date.now() < until; ) {
        try { throwIfStopped(); } catch (e) { error = e; }
      }
      setTimeout(() => console.log(JSON.stringify({ name: error?.name, message: error?.message, code: error?.code, handled })), 200);
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { name: 'InterruptedError', message: `interrupted (${signal})`, code: signal === 'SIGTERM' ? 143 : 130, handled: true });
  });
}
