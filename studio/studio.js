// @ts-check
/**
 * The studio page: uploads clips, queues transfers, follows them through the server's event
 * stream, and shows a finished one as A/B players (wavesurfer.js waveforms over <audio>
 * elements), its spectrograms and a download. The API is described in src/studio/server.ts.
 */
import WaveSurfer from '/vendor/wavesurfer.esm.js';

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const state = {
  /** @type {{ id: string, name: string, seconds: number } | null} */ content: null,
  /** @type {{ id: string, name: string, seconds: number } | null} */ reference: null,
  /** @type {Map<string, any>} */ jobs: new Map(),
  /** @type {string | null} */ shown: null,
  busy: 0,
};

/** Shows a message in the page's error box (none: hides it). @param {string} [message] */
function showError(message) {
  const box = $('error');
  box.textContent = message ?? '';
  box.hidden = !message;
}

/** fetch, with the server's { error } message thrown as an Error. @param {string} url @param {RequestInit} [init] */
async function api(url, init) {
  const response = await fetch(url, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
  return body;
}

/** Runs `work` with the transfer button held, errors shown. @param {() => Promise<void>} work */
async function guarded(work) {
  showError();
  state.busy++;
  refreshButton();
  try {
    await work();
  } catch (error) {
    showError(/** @type {Error} */ (error).message);
  } finally {
    state.busy--;
    refreshButton();
  }
}

/** @param {number} s */
const seconds = (s) => (s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);

/** Uploads a clip for `role` and shows it. @param {File} file @param {'content' | 'reference'} role */
function upload(file, role) {
  return guarded(async () => {
    const line = $(`${role}-clip`);
    const before = line.textContent;
    line.textContent = `Checking ${file.name}…`;
    const form = new FormData();
    form.append('file', file, file.name);
    try {
      const clip = await api(`/api/clips?role=${role}`, { method: 'POST', body: form });
      state[role] = clip;
      line.textContent = [`${clip.name} · ${seconds(clip.seconds)}`, ...clip.warnings.map((w) => `warning: ${w}`)].join('\n');
      if (role === 'reference') /** @type {HTMLInputElement} */ ($('style-kind-reference')).checked = true;
    } catch (error) {
      line.textContent = before; // a refused file leaves the clip chosen before it in place
      throw error;
    }
  });
}

/** Takes a bundled example as the content. @param {string} name */
function useExample(name) {
  return guarded(async () => {
    const clip = await api(`/api/examples/${encodeURIComponent(name)}`, { method: 'POST' });
    state.content = clip;
    $('content-clip').textContent = `${clip.name} · ${seconds(clip.seconds)}`;
  });
}

function refreshButton() {
  /** @type {HTMLButtonElement} */ ($('transfer')).disabled = state.busy > 0 || state.content === null;
}

/** The number in an input, or undefined when it is empty. @param {string} id */
function numberOf(id) {
  const value = /** @type {HTMLInputElement} */ ($(id)).value.trim();
  return value === '' ? undefined : Number(value);
}

function queueTransfer() {
  return guarded(async () => {
    if (state.content === null) throw new Error('Choose a content clip first.');
    const byReference = /** @type {HTMLInputElement} */ ($('style-kind-reference')).checked;
    if (byReference && state.reference === null) throw new Error('Upload a reference clip, or choose a preset.');
    const style = byReference ? { reference: state.reference?.id } : { preset: /** @type {HTMLSelectElement} */ ($('style-preset')).value };
    const job = await api('/api/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: state.content.id, style, steps: numberOf('steps'), strength: numberOf('strength'), guidance: numberOf('guidance'), seed: numberOf('seed') }),
    });
    track(job);
  });
}

/** Records a job's latest view, redraws its line, and shows it once it has finished. @param {any} job */
function track(job) {
  const was = state.jobs.get(job.id)?.state;
  state.jobs.set(job.id, job);
  let item = /** @type {HTMLLIElement | null} */ (document.querySelector(`#jobs li[data-id="${job.id}"]`));
  if (item === null) {
    item = document.createElement('li');
    item.dataset.id = job.id;
    item.addEventListener('click', () => state.jobs.get(job.id)?.state === 'done' && show(job.id));
    $('jobs').prepend(item);
    $('no-jobs').hidden = true;
  }
  item.dataset.state = job.state;
  const s = job.settings;
  const what = job.state === 'queued' ? `queued (${ordinal(job.position)})` : job.state === 'running' ? `running · ${seconds(job.progress)} of ${seconds(job.content.seconds)}` : job.state === 'done' ? `done in ${seconds(job.wallSeconds)}` : 'failed';
  item.replaceChildren(
    line(`${job.content.name} → ${basename(job.style)}`, 'title'),
    line(`steps ${s.steps} · strength ${s.strength} · guidance ${s.guidance} · seed ${s.seed}`, 'muted'),
    line(what, 'state'),
  );
  if (job.state === 'running' || job.state === 'queued') {
    const bar = document.createElement('progress');
    bar.max = job.content.seconds;
    bar.value = job.progress;
    item.append(bar);
  }
  if (job.state === 'failed') item.append(line(job.error, 'failure'));
  for (const warning of job.warnings) item.append(line(`warning: ${warning}`, 'muted'));
  if (job.state === 'done' && was !== 'done') show(job.id); // a transfer that has just finished is what the user waits for
  const running = [...state.jobs.values()].filter((j) => j.state === 'running' || j.state === 'queued').length;
  $('load').textContent = running > 0 ? `${running} in the queue` : '';
}

/** @param {string} text @param {string} className */
function line(text, className) {
  const div = document.createElement('div');
  div.className = className;
  div.textContent = text;
  return div;
}

/** @param {number} n */
const ordinal = (n) => (n === 1 ? 'next' : `#${n} in line`);
/** @param {string} path */
const basename = (path) => path.split(/[\\/]/).pop() ?? path;

/** @type {Record<'input' | 'output', any>} */
const players = { input: null, output: null };

/** Shows a finished job in the compare panel. @param {string} id */
function show(id) {
  const job = state.jobs.get(id);
  state.shown = id;
  for (const item of document.querySelectorAll('#jobs li')) item.classList.toggle('shown', /** @type {HTMLElement} */ (item).dataset.id === id);
  $('nothing-shown').hidden = true;
  $('shown').hidden = false;
  $('compare-title').textContent = `${job.content.name} → ${basename(job.style)}`;
  const sources = { input: `/api/clips/${job.content.id}/audio`, output: `/api/jobs/${id}/output` };
  for (const which of /** @type {const} */ (['input', 'output'])) {
    const media = /** @type {HTMLAudioElement} */ ($(`${which}-audio`));
    players[which]?.destroy();
    players[which] = WaveSurfer.create({ container: `#player-${which} .wave`, media, url: sources[which], height: 80, waveColor: which === 'input' ? '#9aa5b1' : '#8fb0ea', progressColor: which === 'input' ? '#4b5563' : '#2f6fdb', cursorColor: '#1d232b', normalize: true });
    players[which].on('play', () => markPlaying(which));
    players[which].on('pause', () => markPlaying(null));
  }
  /** @type {HTMLAnchorElement} */ ($('download')).href = sources.output;
  /** @type {HTMLImageElement} */ ($('spectrogram').querySelector('img')).src = `/api/jobs/${id}/spectrogram`;
}

/** @param {'input' | 'output' | null} which */
function markPlaying(which) {
  for (const button of document.querySelectorAll('.play')) button.classList.toggle('playing', /** @type {HTMLElement} */ (button).dataset.which === which);
}

/** Plays one side, pausing the other. @param {'input' | 'output'} which */
function play(which) {
  const other = which === 'input' ? 'output' : 'input';
  players[other]?.pause();
  players[which]?.playPause();
}

/** Switches to the other side at the same moment. */
function abSwitch() {
  const from = players.input?.isPlaying() ? 'input' : players.output?.isPlaying() ? 'output' : null;
  const to = from === 'input' ? 'output' : 'input';
  const at = from ? players[from].getCurrentTime() : players[to]?.getCurrentTime() ?? 0;
  if (from) players[from].pause();
  players[to]?.setTime(at);
  players[to]?.play();
}

async function start() {
  const info = await api('/api/info');
  $('model').textContent = `model: ${info.model}`;
  const select = /** @type {HTMLSelectElement} */ ($('style-preset'));
  for (const name of info.presets) select.append(new Option(name, name));
  for (const key of ['steps', 'strength', 'guidance', 'seed']) /** @type {HTMLInputElement} */ ($(key)).value = String(info.defaults[key]);
  /** @type {HTMLInputElement} */ ($('steps')).max = String(info.scheduleSteps);
  for (const name of info.examples) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = `example: ${name}`;
    button.addEventListener('click', () => useExample(name));
    $('examples').append(button);
  }

  const contentInput = /** @type {HTMLInputElement} */ ($('content-file'));
  contentInput.addEventListener('change', () => contentInput.files?.[0] && upload(contentInput.files[0], 'content').then(() => (contentInput.value = '')));
  const referenceInput = /** @type {HTMLInputElement} */ ($('reference-file'));
  referenceInput.addEventListener('change', () => referenceInput.files?.[0] && upload(referenceInput.files[0], 'reference'));
  const drop = $('content-drop');
  drop.addEventListener('dragover', (event) => (event.preventDefault(), drop.classList.add('over')));
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file) upload(file, 'content');
  });
  $('transfer').addEventListener('click', queueTransfer);
  $('ab').addEventListener('click', abSwitch);
  for (const button of document.querySelectorAll('.play')) button.addEventListener('click', () => play(/** @type {any} */ (button).dataset.which));

  const events = new EventSource('/api/events');
  events.onmessage = (event) => track(JSON.parse(event.data));
  events.onerror = () => ($('load').textContent = 'the studio is not answering; is it still running?');
  events.onopen = () => ($('load').textContent = '');
  refreshButton();
}

start().catch((error) => showError(`The studio did not start: ${error.message}`));
