/**
 * The worker thread behind the library's transfer() (worker.ts): it loads its own copy of a model
 * and runs the transfers it is sent, one at a time, telling the caller's thread their progress,
 * warnings, results and errors. Cancellation arrives through a shared flag that the sampling
 * loops read between steps (engine/stop.ts), since this thread's event loop is busy meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { configure, type EngineSettings } from '../engine/configure.js';
import { cancellable } from '../engine/stop.js';
import { liveTensors } from '../engine/tensor.js';
import { tensor } from '../engine/creation.js';
import { loadModel, type StyleTransferModel } from './bundle.js';
import { transferOnThisThread, type TransferOptions } from './transfer.js';
import { sendableError } from './thread-errors.js';
import type { FromWorker, ToWorker } from './worker.js';

const { path, device, settings } = workerData as { path: string; device: 'cpu' | 'cuda'; settings: EngineSettings };
const port = parentPort!;
const send = (message: FromWorker) => port.postMessage(message);

configure(settings); // the caller's settings: OpenMP's thread count is each thread's own
let model: StyleTransferModel;
try {
  model = loadModel(path, { device });
} catch (error) {
  send({ type: 'unavailable', error: sendableError(error) });
  throw error;
}

port.on('message', async (message: ToWorker) => {
  if (message.type === 'liveTensors') {
    send({ type: 'liveTensors', id: message.id, count: liveTensors() });
    return;
  }
  if (message.type === 'close') {
    model.dispose();
    port.close();
    return;
  }
  const { id, input, output, options, style, flag } = message;
  const resolved = typeof style === 'string' ? style : { name: style.name, file: style.file, tile: tensor(style.values, style.shape) };
  try {
    const transferOptions: TransferOptions = {
      ...options,
      style: resolved,
      onProgress: (seconds) => send({ type: 'progress', id, seconds }),
      onWarning: (warning) => send({ type: 'warning', id, message: warning }),
    };
    const result = await cancellable(flag, () => transferOnThisThread(model, input, output, transferOptions));
    send({ type: 'done', id, result });
  } catch (error) {
    send({ type: 'failed', id, error: sendableError(error) });
  } finally {
    if (typeof resolved !== 'string') resolved.tile.dispose();
  }
});
