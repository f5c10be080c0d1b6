/**
 * The library's transfer(), off the caller's thread. Every op of the engine blocks the thread
 * that calls it, so a program that embeds mst (a server, an app) would freeze for the seconds a
 * transfer takes. Instead each loaded model gets, at its first transfer, a worker thread holding
 * its own copy of the model (loaded from the same path; the weights are small next to the work),
 * which runs that model's transfers one at a time, in the order asked. Options, progress and
 * warnings, results and errors (of the same classes, engine/thread-errors.ts) cross between the
 * threads as messages; an AbortSignal sets a shared flag that the sampling loops read between
 * steps, and the promise rejects once the worker has unwound, its partial output removed.
 * The worker ends with model.dispose(), and never keeps the process alive while idle.
 */
import { Worker } from 'node:worker_threads';
import { engineSettings, settingsFromEnvironment, type EngineSettings } from '../engine/configure.js';
import { revivedError, type SentError } from './thread-errors.js';
import type { StyleTransferModel } from './bundle.js';
import type { TransferOptions, TransferResult } from './transfer.js';

/** Options as they cross to the worker: everything but the callbacks, the signal and a resolved style. */
type SentOptions = Omit<TransferOptions, 'style' | 'onProgress' | 'onWarning' | 'signal'>;
/** A style as it crosses: a name or path, or a resolved style's tile as numbers. */
type SentStyle = string | { name: string; file: string; values: Float32Array; shape: number[] };

export type ToWorker =
  | { type: 'transfer'; id: number; input: string; output: string; options: SentOptions; style: SentStyle; flag: Int32Array }
  | { type: 'liveTensors'; id: number }
  | { type: 'close' };

export type FromWorker =
  | { type: 'unavailable'; error: SentError }
  | { type: 'progress'; id: number; seconds: number }
  | { type: 'warning'; id: number; message: string }
  | { type: 'done'; id: number; result: TransferResult }
  | { type: 'failed'; id: number; error: SentError }
  | { type: 'liveTensors'; id: number; count: number };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onMessage?(message: FromWorker): void;
}

/** One model's worker thread. */
export class TransferWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  /** The last job asked for: each waits for the one before, so that jobs run in order. */
  #queue: Promise<unknown> = Promise.resolve();
  #failure: Error | null = null;
  #closed = false;

  constructor(model: Pick<StyleTransferModel, 'path' | 'device'>, settings: EngineSettings = engineSettings() ?? settingsFromEnvironment()) {
    this.#worker = new Worker(new URL('./worker-main.js', import.meta.url), { workerData: { path: model.path, device: model.device, settings } });
    this.#worker.unref();
    this.#worker.on('message', (message: FromWorker) => {
      if (message.type === 'unavailable') return this.#fail(revivedError(message.error));
      this.#pending.get(message.id)?.onMessage?.(message);
    });
    this.#worker.on('error', (error) => this.#fail(this.#failure ?? error));
    this.#worker.on('exit', (code) => this.#fail(this.#failure ?? new Error(`mst: the transfer worker exited (code ${code})`)));
  }

  /** Transfers `input` to `output` on the worker thread; see transfer(). */
  transfer(input: string, output: string, style: SentStyle, options: SentOptions, callbacks: Pick<TransferOptions, 'onProgress' | 'onWarning' | 'signal'>): Promise<TransferResult> {
    const { signal } = callbacks;
    return this.#enqueue<TransferResult>((id, pending) => {
      signal?.throwIfAborted();
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const abort = () => Atomics.store(flag, 0, 1);
      signal?.addEventListener('abort', abort, { once: true });
      pending.onMessage = (message) => {
        if (message.type === 'progress') callbacks.onProgress?.(message.seconds);
        else if (message.type === 'warning') callbacks.onWarning?.(message.message);
        else if (message.type === 'done' || message.type === 'failed') {
          signal?.removeEventListener('abort', abort);
          if (message.type === 'done') pending.resolve(message.result);
          else pending.reject(message.error.name === 'AbortError' && signal?.aborted ? (signal.reason as Error) : revivedError(message.error));
        }
      };
      return { type: 'transfer', id, input, output, options, style, flag };
    });
  }

  /** Tensors alive in the worker (its model's weights, and whatever a transfer left behind). */
  liveTensors(): Promise<number> {
    return this.#enqueue<number>((id, pending) => {
      pending.onMessage = (message) => message.type === 'liveTensors' && pending.resolve(message.count);
      return { type: 'liveTensors', id };
    });
  }

  /** Ends the worker once the jobs asked for have finished; later jobs are refused. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    const last = this.#queue.catch(() => {}).then(() => {
      if (this.#failure === null) this.#worker.postMessage({ type: 'close' } satisfies ToWorker);
    });
    this.#queue = last;
    return last;
  }

  /** Runs the job after those before it; the worker keeps the process alive only while one runs. */
  #enqueue<T>(start: (id: number, pending: Pending) => ToWorker): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('mst: transfer after model.dispose(); load the model again'));
    const job = this.#queue.catch(() => {}).then(
      () =>
        new Promise<T>((resolve, reject) => {
          if (this.#failure !== null) return reject(this.#failure);
          const id = this.#nextId++;
          const pending: Pending = { resolve: resolve as (value: unknown) => void, reject };
          const finish = () => {
            this.#pending.delete(id);
            if (this.#pending.size === 0) this.#worker.unref();
          };
          pending.resolve = (value) => (finish(), resolve(value as T));
          pending.reject = (error) => (finish(), reject(error));
          let message: ToWorker;
          try {
            message = start(id, pending);
          } catch (error) {
            return reject(error as Error);
          }
          this.#pending.set(id, pending);
          this.#worker.ref();
          this.#worker.postMessage(message);
        }),
    );
    this.#queue = job;
    return job;
  }

  /** The worker cannot go on: every job waiting is refused with `error`, and so is every later one. */
  #fail(error: Error): void {
    this.#failure ??= error;
    for (const pending of [...this.#pending.values()]) pending.reject(this.#failure);
  }
}
