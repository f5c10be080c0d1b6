/**
 * `mst doctor`: prints what the engine runs on — libtorch version, threads, BLAS, devices —
 * and checks that a small computation gives the right answer.
 */
import { Command } from 'commander';
import { engineInfo } from '../engine/runtime.js';
import { tensor } from '../engine/creation.js';
import { tidy } from '../engine/scope.js';

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('show the engine: libtorch version, threads, BLAS, devices, CUDA')
    .option('--json', 'print one JSON object')
    .action((options: { json?: boolean }) => {
      const info = engineInfo();
      // 2×2 matmul through libtorch and its BLAS: [[1,2],[3,4]]² = [[7,10],[15,22]].
      const product = tidy(() => {
        const a = tensor([[1, 2], [3, 4]]);
        return a.matmul(a).toArray();
      });
      const selfTest = product.join(',') === '7,10,15,22' ? 'ok' : `wrong result ${product.join(',')}`;
      const blasWarning = /openblas/i.test(info.blas) ? '' : ' (not OpenBLAS: training will be several times slower; run scripts/setup.sh)';
      if (options.json) {
        console.log(JSON.stringify({ ...info, node: process.version, selfTest }));
        return;
      }
      console.log(`mst engine
  libtorch   ${info.torchVersion}
  threads    ${info.threads}
  BLAS       ${info.blas}${blasWarning}
  CUDA       ${info.cudaAvailable ? `available, ${info.cudaDevices} device(s)` : 'not available'}
  devices    ${info.devices.join(', ')}
  node       ${process.version}
  self-test  ${selfTest}`);
      if (selfTest !== 'ok') process.exitCode = 1;
    });
}
