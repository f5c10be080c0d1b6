/**
 * `mst doctor`: prints what the engine runs on — processor, libtorch version, threads, BLAS,
 * devices, whether bf16 is native and so which precision training uses — and checks that a small
 * computation gives the right answer.
 */
import { Command } from 'commander';

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('show the engine: libtorch version, threads, BLAS, devices, CUDA')
    .option('--json', 'print one JSON object')
    .action(async (options: { json?: boolean }) => {
      // the engine loads here, not when the command line is assembled (mst --help stays instant)
      const [{ engineInfo }, { bf16Support, describeProcessor }, { trainingPrecision, choosePrecision, precisionName }, { tensor, tidy }] = await Promise.all([
        import('../engine/runtime.js'),
        import('../engine/processor.js'),
        import('../train/precision.js'),
        import('../engine/index.js'),
      ]);
      const info = engineInfo();
      // 2×2 matmul through libtorch and its BLAS: [[1,2],[3,4]]² = [[7,10],[15,22]].
      const product = tidy(() => {
        const a = tensor([[1, 2], [3, 4]]);
        return a.matmul(a).toArray();
      });
      const selfTest = product.join(',') === '7,10,15,22' ? 'ok' : `wrong result ${product.join(',')}`;
      const cpuBf16 = bf16Support('cpu');
      const training = { cpu: choosePrecision('auto', cpuBf16), ...(info.cudaAvailable ? { cuda: trainingPrecision({ bf16: 'auto', device: 'cuda' }) } : {}) };
      const blasWarning = /openblas/i.test(info.blas) ? '' : ' (not OpenBLAS: training will be several times slower; run scripts/setup.sh)';
      if (options.json) {
        const precision = Object.fromEntries(Object.entries(training).map(([device, p]) => [device, { bf16: p.bf16, reason: p.reason }]));
        console.log(JSON.stringify({ ...info, processor: describeProcessor(), bf16Native: cpuBf16.native, trainingPrecision: precision, node: process.version, selfTest }));
        return;
      }
      const trainingLines = Object.entries(training).map(([device, p]) => `${precisionName(p)} on ${device}${device === 'cuda' ? ` (${p.reason})` : ''}`);
      console.log(`mst engine
  processor  ${describeProcessor()}
  bf16       ${cpuBf16.native ? 'native' : 'not native'}: ${cpuBf16.reason}
  training   ${trainingLines.join('\n             ')} by default; mst train --bf16=true|false overrides
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
