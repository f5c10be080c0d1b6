/**
 * The studio's web server (fastify): one page (studio/ at the package root) and a small JSON API
 * behind it. Clips are uploaded (or taken from the bundled examples) and validated before any
 * transfer is queued; transfers run one at a time off the event loop (queue.ts); their changes
 * reach the page as server-sent events. Files are named by id inside the studio's own working
 * folder (workspace.ts), removed when the studio closes.
 *
 *   GET  /                          the page (and its script and style)
 *   GET  /vendor/wavesurfer.esm.js  the waveform player (wavesurfer.js, BSD-3-Clause)
 *   GET  /api/health                { ok, queued, running }: answers at once, even mid-transfer
 *   GET  /api/info                  the model, its presets and sampling defaults, the limits, the examples
 *   POST /api/clips?role=content|reference   one audio file (multipart field "file") → a clip
 *   POST /api/examples/:name        a bundled example → a content clip
 *   GET  /api/clips/:id/audio       a clip as the model hears it (mono WAV at the model's rate)
 *   POST /api/jobs                  { content, style: { preset } | { reference }, steps?, strength?, eta?, guidance?, guidanceFrom?, seed? } → a queued job
 *   GET  /api/jobs                  this session's jobs
 *   GET  /api/jobs/:id/output       a done job's WAV (a download)
 *   GET  /api/jobs/:id/spectrogram  a done job's input and output spectrograms (PNG)
 *   GET  /api/events                every change of every job (text/event-stream, one JSON job per event)
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import { createReadStream, createWriteStream, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StyleTransferModel } from '../transfer/bundle.js';
import { samplingOptions } from '../transfer/transfer.js';
import { checkTransferOptions } from '../transfer/options.js';
import { importClip, displayName, StudioError, type Clip, type ClipRole } from './clips.js';
import { TransferQueue, type JobRequest } from './queue.js';
import { isStudioId, Workspace } from './workspace.js';

export interface StudioOptions {
  /** The loaded model every transfer uses. */
  model: StyleTransferModel;
  /** Interface to listen on (default 127.0.0.1: this machine only). */
  host?: string;
  /** Port (default 7860; 0 for any free one). */
  port?: number;
  /** Largest upload, bytes (default 50 MB). */
  maxUploadBytes?: number;
  /** Longest clip, s (default 600). */
  maxSeconds?: number;
  /** Folder of bundled example clips offered on the page (default: the package's examples/). */
  examples?: string;
  /** Where the working folder is made (default: the system's temporary folder). */
  workParent?: string;
}

export interface Studio {
  /** The page's address, e.g. http://127.0.0.1:7860/ */
  url: string;
  workspace: Workspace;
  queue: TransferQueue;
  /** Stops the running transfer, closes the server and removes the working folder. */
  close(): Promise<void>;
}

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PAGE = join(PACKAGE_ROOT, 'studio');
const EXAMPLES = join(PACKAGE_ROOT, 'examples');
const AUDIO_EXTENSIONS = new Set(['.wav', '.flac', '.mp3', '.ogg', '.oga', '.opus', '.m4a']);

/** The bundled examples by name (a fixed table: a request's name is looked up, never joined to a path). */
function exampleTable(folder: string): Map<string, string> {
  if (!existsSync(folder)) return new Map();
  return new Map(
    readdirSync(folder)
      .filter((name) => AUDIO_EXTENSIONS.has(extname(name).toLowerCase()) && statSync(join(folder, name)).isFile())
      .sort()
      .map((name) => [name, join(folder, name)]),
  );
}

/** Starts the studio; resolves once it listens. */
export async function startStudio(options: StudioOptions): Promise<Studio> {
  const { model } = options;
  const host = options.host ?? '127.0.0.1';
  const maxUploadBytes = options.maxUploadBytes ?? 50 * 1024 * 1024;
  const maxSeconds = options.maxSeconds ?? 600;
  const examples = exampleTable(options.examples ?? EXAMPLES);
  const workspace = new Workspace(options.workParent);
  const queue = new TransferQueue(model, workspace);
  const clips = new Map<string, Clip>();
  const streams = new Set<FastifyReply>();
  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });

  const tooLarge = `the upload is larger than the studio's limit of ${+(maxUploadBytes / 1024 / 1024).toFixed(1)} MB; use a shorter or compressed clip, or start the studio with a higher --max-upload-mb`;
  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (error instanceof StudioError) return reply.code(error.status).send({ error: error.message });
    if (error.code === 'FST_REQ_FILE_TOO_LARGE' || error.code === 'FST_FILES_LIMIT') {
      return reply.code(413).send({ error: tooLarge });
    }
    if (error instanceof RangeError || error instanceof TypeError || error.name === 'StyleError') return reply.code(400).send({ error: error.message });
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 403) return reply.code(403).send({ error: `${request.url.slice(0, 200)} is outside the studio's page; the studio serves only its own files, and clips and transfers by id` });
    if (status === 500) console.error(`mst studio: ${error.stack ?? error.message}`);
    return reply.code(status).send({ error: error.message });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `nothing here: ${request.method} ${request.url.slice(0, 200)}` }));

  await app.register(multipart, { limits: { fileSize: maxUploadBytes, files: 1, fields: 4 } });
  await app.register(fastifyStatic, { root: PAGE, prefix: '/', index: 'index.html', dotfiles: 'deny' });

  const wavesurfer = readFileSync(fileURLToPath(import.meta.resolve('wavesurfer.js')));
  app.get('/vendor/wavesurfer.esm.js', (_request, reply) => reply.type('text/javascript; charset=utf-8').send(wavesurfer));

  app.get('/api/health', () => ({ ok: true, ...queue.load }));

  app.get('/api/info', () => {
    const defaults = samplingOptions(model, {});
    return {
      model: basename(model.path),
      presets: model.presets.map((p) => p.name),
      defaults,
      scheduleSteps: model.model.schedule.steps,
      limits: { maxUploadBytes, maxSeconds },
      examples: [...examples.keys()],
    };
  });

  const clipOf = (id: unknown, role?: ClipRole): Clip => {
    const clip = isStudioId(id) ? clips.get(id) : undefined;
    if (clip === undefined) throw new StudioError(404, `no clip ${JSON.stringify(String(id).slice(0, 40))} in this studio session; upload it again`);
    if (role !== undefined && clip.role !== role) throw new StudioError(400, `${clip.name} was uploaded as a ${clip.role} clip, not as a ${role}`);
    return clip;
  };
  const addClip = async (source: string, id: string, name: string, role: ClipRole) => {
    const clip = await importClip(workspace, source, id, name, role, { maxSeconds }, model.analysis);
    clips.set(clip.id, clip);
    return { id: clip.id, name: clip.name, role: clip.role, seconds: clip.seconds, warnings: clip.warnings };
  };

  app.post('/api/clips', async (request, reply) => {
    const role = (request.query as { role?: string }).role ?? 'content';
    if (role !== 'content' && role !== 'reference') throw new StudioError(400, `role must be content or reference, not ${JSON.stringify(role)}`);
    if (!request.isMultipart()) throw new StudioError(400, 'send the clip as multipart/form-data, in a field named "file"');
    const upload = await request.file();
    if (upload === undefined) throw new StudioError(400, 'no file in the upload; choose an audio file');
    const id = workspace.newId();
    const source = workspace.file(id, '.upload');
    await pipeline(upload.file, createWriteStream(source));
    if (upload.file.truncated) {
      rmSync(source, { force: true });
      throw new StudioError(413, tooLarge);
    }
    return reply.code(201).send(await addClip(source, id, displayName(upload.filename), role));
  });

  app.post('/api/examples/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    const file = examples.get(name);
    if (file === undefined) throw new StudioError(404, `no bundled example named ${JSON.stringify(name.slice(0, 80))}; the examples are ${[...examples.keys()].join(', ') || 'none'}`);
    const id = workspace.newId();
    const source = workspace.file(id, '.upload');
    await pipeline(createReadStream(file), createWriteStream(source));
    return reply.code(201).send(await addClip(source, id, name, 'content'));
  });

  app.get('/api/clips/:id/audio', (request, reply) => {
    const clip = clipOf((request.params as { id: string }).id);
    return reply.type('audio/wav').header('cache-control', 'no-store').send(createReadStream(clip.wav));
  });

  app.post('/api/jobs', (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new StudioError(400, 'send the job as a JSON object');
    const content = clipOf(body.content, 'content');
    const style = (body.style ?? {}) as { preset?: unknown; reference?: unknown };
    let chosen: JobRequest['style'];
    if (typeof style.preset === 'string') {
      if (!model.presets.some((p) => p.name === style.preset)) throw new StudioError(400, `no style preset named ${JSON.stringify(style.preset.slice(0, 40))}; this model's presets are ${model.presets.map((p) => p.name).join(', ')}`);
      chosen = { preset: style.preset };
    } else if (style.reference !== undefined) chosen = { reference: clipOf(style.reference, 'reference') };
    else throw new StudioError(400, 'choose a style: a preset, or an uploaded reference clip');
    const asked: Record<string, unknown> = { style: 'preset' in chosen ? chosen.preset : chosen.reference.wav };
    for (const key of ['steps', 'strength', 'eta', 'guidance', 'guidanceFrom', 'seed']) if (body[key] !== undefined && body[key] !== null) asked[key] = body[key];
    checkTransferOptions('studio', asked); // wrong types and ranges: a message naming the setting
    const { style: _style, ...settings } = asked;
    return reply.code(202).send(queue.add({ content, style: chosen, settings: samplingOptions(model, settings) }));
  });

  app.get('/api/jobs', () => queue.list());

  const doneJob = (id: unknown) => {
    const files = isStudioId(id) ? queue.files(id) : undefined;
    if (files === undefined) throw new StudioError(404, `no finished transfer ${JSON.stringify(String(id).slice(0, 40))} in this studio session`);
    return files;
  };
  app.get('/api/jobs/:id/output', (request, reply) => {
    const { output, view } = doneJob((request.params as { id: string }).id);
    const name = `${view.content.name.replace(/\.[^.]*$/, '')}-${basename(view.style).replace(/\.[^.]*$/, '')}.wav`.replace(/[^\w.+-]/g, '_');
    return reply.type('audio/wav').header('content-disposition', `attachment; filename="${name}"`).send(createReadStream(output));
  });
  app.get('/api/jobs/:id/spectrogram', (request, reply) => {
    const { spectrogram } = doneJob((request.params as { id: string }).id);
    return reply.type('image/png').send(createReadStream(spectrogram));
  });

  app.get('/api/events', (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    const send = (job: unknown) => reply.raw.write(`data: ${JSON.stringify(job)}\n\n`);
    for (const job of queue.list()) send(job);
    const unsubscribe = queue.subscribe(send);
    streams.add(reply);
    reply.raw.on('error', () => undefined); // a page that went away mid-write: its 'close' below ends the stream
    request.raw.on('close', () => {
      unsubscribe();
      streams.delete(reply);
    });
  });

  try {
    await app.listen({ host, port: options.port ?? 7860 });
  } catch (error) {
    workspace.remove();
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new StudioError(500, `port ${options.port ?? 7860} on ${host} is in use; stop what serves there, or give another with --port`);
    if (code === 'EADDRNOTAVAIL') throw new StudioError(500, `${host} is not an address of this machine; give one of its own with --host`);
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${shown}:${address.port}/`,
    workspace,
    queue,
    close: () =>
      (closing ??= (async () => {
        await queue.close();
        for (const stream of streams) stream.raw.end();
        await app.close();
        workspace.remove();
      })()),
  };
}
