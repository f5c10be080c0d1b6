/**
 * The studio's transfers: a queue that runs one at a time, in the order asked, through the
 * library's transfer() (the model's worker thread, so the server's event loop stays free), and
 * tells its listeners every change of every job (queued with its place, progress in seconds of
 * input, done or failed with the message the page shows). Jobs stay listed for the session: the
 * page's history.
 */
import { transfer, type TransferOptions } from '../transfer/transfer.js';
import type { StyleTransferModel } from '../transfer/bundle.js';
import type { SamplingSettings } from '../model/sampling.js';
import type { Clip } from './clips.js';
import type { Workspace } from './workspace.js';

export type JobState = 'queued' | 'running' | 'done' | 'failed';

/** What a transfer is asked to do: content, style (a preset's name or a reference clip) and the sampler's settings. */
export interface JobRequest {
  content: Clip;
  style: { preset: string } | { reference: Clip };
  settings: SamplingSettings;
}

/** A job as the page sees it (JSON). */
export interface JobView {
  id: string;
  state: JobState;
  /** Place in the queue, 1 for the next to run (queued jobs only). */
  position?: number;
  content: { id: string; name: string; seconds: number };
  style: string;
  settings: SamplingSettings;
  /** Seconds of the content done so far. */
  progress: number;
  /** Wall time of the transfer, s (done jobs). */
  wallSeconds?: number;
  /** Why it failed, for a person (failed jobs). */
  error?: string;
  /** Said by the transfer about its output (an input cut short, clipping). */
  warnings: string[];
}

interface Job {
  view: JobView;
  request: JobRequest;
  output: string;
  spectrogram: string;
}

export class TransferQueue {
  readonly #jobs = new Map<string, Job>();
  readonly #waiting: Job[] = [];
  readonly #listeners = new Set<(job: JobView) => void>();
  readonly #stop = new AbortController();
  #running: Job | null = null;
  #idle: Promise<void> = Promise.resolve();

  constructor(
    readonly model: StyleTransferModel,
    readonly workspace: Workspace,
  ) {}

  /** Queues a transfer; returns its view (state 'queued'). */
  add(request: JobRequest): JobView {
    const id = this.workspace.newId();
    const style = 'preset' in request.style ? request.style.preset : request.style.reference.name;
    const job: Job = {
      view: { id, state: 'queued', content: { id: request.content.id, name: request.content.name, seconds: request.content.seconds }, style, settings: request.settings, progress: 0, warnings: [] },
      request,
      output: this.workspace.file(id, '-out.wav'),
      spectrogram: this.workspace.file(id, '-spectrogram.png'),
    };
    this.#jobs.set(id, job);
    this.#waiting.push(job);
    this.#positions();
    if (this.#running === null) this.#idle = this.#drain();
    return { ...job.view };
  }

  /** Every job of the session, oldest first. */
  list(): JobView[] {
    return [...this.#jobs.values()].map((job) => ({ ...job.view }));
  }

  /** The job's output WAV and spectrogram PNG, once it is done; undefined otherwise. */
  files(id: string): { output: string; spectrogram: string; view: JobView } | undefined {
    const job = this.#jobs.get(id);
    return job?.view.state === 'done' ? { output: job.output, spectrogram: job.spectrogram, view: { ...job.view } } : undefined;
  }

  /** Jobs waiting, and whether one runs. */
  get load(): { queued: number; running: boolean } {
    return { queued: this.#waiting.length, running: this.#running !== null };
  }

  /** Calls `listener` with a job's view at every change; returns the way to stop. */
  subscribe(listener: (job: JobView) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops the running transfer (within a sampling step), fails the waiting ones, and resolves when the queue is still. */
  async close(): Promise<void> {
    this.#stop.abort(new Error('the studio is stopping'));
    for (const job of this.#waiting.splice(0)) this.#update(job, { state: 'failed', error: 'the studio stopped before this transfer ran' });
    await this.#idle;
  }

  async #drain(): Promise<void> {
    for (let job = this.#waiting.shift(); job !== undefined; job = this.#waiting.shift()) {
      this.#running = job;
      this.#positions();
      this.#update(job, { state: 'running' });
      const { content, style, settings } = job.request;
      const options: TransferOptions = {
        ...settings,
        style: 'preset' in style ? style.preset : style.reference.wav,
        spectrogram: job.spectrogram,
        spectrogramNames: { input: content.name, output: 'the transfer', style: job.view.style },
        signal: this.#stop.signal,
        onProgress: (seconds) => this.#update(job!, { progress: Math.min(seconds, content.seconds) }),
        onWarning: (message) => job!.view.warnings.push(message.replace(job!.output, 'the output')),
      };
      try {
        const result = await transfer(this.model, content.wav, job.output, options);
        this.#update(job, { state: 'done', progress: content.seconds, wallSeconds: result.wallSeconds });
      } catch (error) {
        this.#update(job, { state: 'failed', error: this.#message(error as Error, job) });
      }
      this.#running = null;
    }
  }

  /** An error's message with the workspace's paths replaced by the names the user knows. */
  #message(error: Error, job: Job): string {
    const { content, style } = job.request;
    let message = error.message.split(content.wav).join(content.name);
    if ('reference' in style) message = message.split(style.reference.wav).join(style.reference.name);
    return message.split(this.workspace.folder).join('studio');
  }

  #update(job: Job, change: Partial<JobView>): void {
    Object.assign(job.view, change);
    if (job.view.state !== 'queued') delete job.view.position;
    for (const listener of this.#listeners) listener({ ...job.view });
  }

  /** Renumbers the waiting jobs' places and tells of each that moved. */
  #positions(): void {
    this.#waiting.forEach((job, index) => {
      if (job.view.position !== index + 1) this.#update(job, { position: index + 1 });
    });
  }
}
