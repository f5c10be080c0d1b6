/**
 * `mst studio`: serves the studio page (src/studio/) until Ctrl-C or SIGTERM ends the process,
 * taking the running transfer and the studio's working files with it.
 */
import { Command, Option } from 'commander';
import { DEFAULT_MODEL } from '../transfer/model-folder.js';
import { numberIn } from './options.js';

interface StudioFlags {
  port: number;
  host: string;
  model: string;
  device: 'cpu' | 'cuda';
  maxUploadMb: number;
  maxSeconds: number;
}

export function studioCommand(): Command {
  return new Command('studio')
    .description('a local web page to hear, see and compare transfers')
    .option('--port <n>', 'port to serve on (0: any free one)', numberIn(0, 65535, true), 7860)
    .option('--host <address>', 'address to serve on; anything but loopback lets other machines in', '127.0.0.1')
    .option('-m, --model <folder>', 'the model folder, a shipped model by name (default, seed) or a model.safetensors', DEFAULT_MODEL)
    .addOption(new Option('--device <device>', 'where the model runs').choices(['cpu', 'cuda']).default('cpu'))
    .option('--max-upload-mb <n>', 'largest upload, MB', numberIn(0.01, 4096), 50)
    .option('--max-seconds <n>', 'longest clip, s', numberIn(1, 24 * 3600), 600)
    .action(async (flags: StudioFlags) => {
      const { loadModelFor } = await import('./transfer.js');
      const { startStudio } = await import('../studio/server.js');
      const model = await loadModelFor({ ...flags, style: '', seed: 0, iterations: 32, phase: 'input' });
      const studio = await startStudio({ model, host: flags.host, port: flags.port, maxUploadBytes: Math.round(flags.maxUploadMb * 1024 * 1024), maxSeconds: flags.maxSeconds });
      if (!['127.0.0.1', '::1', 'localhost'].includes(flags.host)) console.error(`mst: warning: serving on ${flags.host}: other machines that reach it can use this studio`);
      console.log(`mst studio: ${studio.url} (model ${model.path}; Ctrl-C stops)`);
      // the server keeps the process alive; Ctrl-C or SIGTERM ends it, and the working folder goes with it (workspace.ts)
    });
}
