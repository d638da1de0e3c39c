/**
 * StyleGAN parity with the PyTorch peer (bench/stylegan-lockstep.ts, bench/peer/stylegan.py):
 *
 *   npm run bench:parity:stylegan -- [--steps 50] [--r1-every 4] [--r1-gamma 1] [--batch 4] [--res 16]
 *                                    [--width 8] [--backend wasm|cpu] [--out DIR]
 *
 * Prints the forward/backward check (largest relative gap of G's images, D's logits and each
 * gradient) and the training lockstep: the largest |Ganvas − PyTorch| loss gap (D, G and R1) up
 * to steps 1, 10, 20 and `steps`, with the R1 rule for D's last bias Ganvas was found to follow
 * (see R1Unreached). The table row for docs/parity.md comes last.
 */
import { mkdir } from 'node:fs/promises';
import * as os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../cli/args.ts';
import { useNodeBackend, type NodeBackend } from '../cli/node-backend.ts';
import { peerAvailable, styleganCheck, styleganLockstep, styleMaxGap, TINY_SHAPE, type StyleLockstepShape } from './stylegan-lockstep.ts';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const num = (key: string, fallback: number) => Number(args.get(key) ?? fallback);
  const steps = num('steps', 50);
  const shape: StyleLockstepShape = {
    ...TINY_SHAPE,
    res: num('res', TINY_SHAPE.res) as StyleLockstepShape['res'],
    width: num('width', TINY_SHAPE.width),
    batch: num('batch', TINY_SHAPE.batch),
  };
  const backend = (args.get('backend') ?? 'wasm') as NodeBackend;
  const out = args.get('out') ?? join(os.tmpdir(), 'ganvas-parity-stylegan');
  if (!peerAvailable()) throw new Error('/usr/bin/python3 cannot import torch (apt-get install -y python3-torch)');
  await useNodeBackend(backend);
  await mkdir(out, { recursive: true });
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const date = new Date().toISOString().slice(0, 10);
  console.log(`${date} · ${cpu}, ${os.cpus().length} cores · Node ${process.version} · tfjs ${backend}`);
  console.log(
    `StyleGAN ${shape.res} px, width ${shape.width}, batch ${shape.batch}, zDim ${shape.zDim}, wDim ${shape.wDim}, ${shape.mappingLayers} mapping layers`,
  );

  const check = await styleganCheck(out, shape);
  console.log('\nforward/backward, fixed weights (largest |Ganvas − PyTorch| / largest |PyTorch|):');
  for (const [what, gap] of Object.entries(check.gaps))
    console.log(`  ${what.padEnd(7)} ${gap.toExponential(1)}${check.worst[what] ? ` (at ${check.worst[what]})` : ''}`);
  console.log(
    `  losses D, G, R1: Ganvas ${check.losses.ganvas.map((l) => l.toFixed(6)).join(', ')}; PyTorch ${check.losses.torch.map((l) => l.toFixed(6)).join(', ')}`,
  );

  const r1Every = num('r1-every', 4);
  const r1Gamma = num('r1-gamma', 1);
  const marks = [1, 10, 20, steps].filter((n, i, a) => n <= steps && a.indexOf(n) === i);
  const r = await styleganLockstep(out, { steps, r1Every, r1Gamma }, shape);
  const gaps = marks.map((n) => styleMaxGap(r, 0, n));
  const r1Steps = r.ganvas.filter((x) => x.r1 !== undefined).length;
  console.log(`\nlockstep, ${steps} rounds (${r1Steps} with R1, γ ${r1Gamma}, every ${r1Every} D steps), R1 rule for D's last bias: ${r.r1Unreached}`);
  console.log(`  largest loss gap ${marks.map((n, i) => `≤ step ${n}: ${gaps[i]!.toExponential(1)}`).join(', ')}`);
  const firstOff = r.ganvas.findIndex((_, i) => styleMaxGap(r, i, i + 1) > 1e-5);
  if (firstOff >= 0) console.log(`  first step over 1e-5: ${firstOff + 1}${r.ganvas[firstOff]!.r1 !== undefined ? ' (an R1 step)' : ''}`);
  console.log(`\n| R1 steps | R1 rule | ${marks.map((n) => `≤ step ${n}`).join(' | ')} | date | machine |`);
  console.log(`|---|---|${marks.map(() => '---').join('|')}|---|---|`);
  console.log(
    `| ${r1Steps} of ${steps} | ${r.r1Unreached} | ${gaps.map((g) => g.toExponential(1)).join(' | ')} | ${date} | ${cpu}, tfjs ${backend}, PyTorch ${r.torchVersion} |`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
