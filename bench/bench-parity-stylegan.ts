/**
 * StyleGAN parity with the PyTorch peer (bench/stylegan-lockstep.ts, bench/peer/stylegan.py):
 *
 *   npm run bench:parity:stylegan -- [--steps 50] [--r1-every 4] [--r1-gamma 1] [--batch 4] [--res 16]
 *                                    [--width 8] [--seeds 1,2,3] [--backend wasm|cpu] [--out DIR] [--dump FILE.json]
 *
 * Prints the forward/backward check (largest relative gap of G's images, D's logits and each
 * gradient) and the training lockstep: the largest loss gap (D, G and R1) up to steps 1, 10, 20
 * and `steps` between Ganvas and the peer in float32, Ganvas and the peer in float64 (the
 * computation without float32's rounding), and the two peers (how fast float32 rounding alone
 * grows in this game), the peer following the R1 rule for D's last bias that Ganvas's
 * r1Step was found to follow (see R1Unreached), and, when that is not NVlabs's, once more with
 * NVlabs's. Each seed runs twice: the peer computing every gradient itself, and the peer handed
 * Ganvas's value of the gradient entries float32 cannot resolve (UNRESOLVED in
 * stylegan-lockstep.ts: |g| ≤ 1e-6 of its tensor's largest, where Adam's step is set by
 * rounding). The table rows for docs/parity.md come last.
 */
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../cli/args.ts';
import { useNodeBackend, type NodeBackend } from '../cli/node-backend.ts';
import {
  peerAvailable,
  styleganCheck,
  styleganLockstep,
  styleMaxGap,
  TINY_SHAPE,
  type R1Unreached,
  type StepLosses,
  type StyleLockstepShape,
} from './stylegan-lockstep.ts';

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
  const seeds = (args.get('seeds') ?? args.get('seed') ?? '1,2,3').split(',').map(Number);
  const marks = [1, 10, 20, steps].filter((n, i, a) => n <= steps && a.indexOf(n) === i);
  const rows: string[] = [];
  const run = async (seed: number, adoptUnresolved: boolean, peerR1Rule?: R1Unreached, emulate = false) => {
    const r = await styleganLockstep(
      out,
      { steps, r1Every, r1Gamma, seed, adoptUnresolved, ...(peerR1Rule ? { peerR1Rule } : {}), ...(emulate ? { emulateNvlabsR1: true } : {}) },
      shape,
    );
    const r1Steps = r.ganvas.filter((x) => x.r1 !== undefined).length;
    const rule = `Ganvas ${emulate ? 'nvlabs (emulated in the bench)' : r.r1Unreached}, peer ${r.peerR1Rule}`;
    const updates = new Set(r.adopted.map((e) => `${e.round}:${e.phase}`)).size;
    const worst = r.adopted.reduce((m, e) => Math.max(m, Math.abs(e.value) / e.scale), 0);
    const grads = adoptUnresolved
      ? `Ganvas's for ${r.adopted.length} unresolved entries (${updates} updates; largest ${worst.toExponential(1)} of its tensor)`
      : 'its own';
    console.log(`\nlockstep, seed ${seed}, ${steps} rounds (${r1Steps} with R1, γ ${r1Gamma}, every ${r1Every} D steps); R1 rule for D's last bias: ${rule}`);
    console.log(`  the peer's gradients: ${grads}`);
    if (adoptUnresolved && r.adopted.length <= 12)
      for (const e of r.adopted)
        console.log(
          `    round ${e.round} ${e.phase} ${e.name}[${e.index}] = ${e.value.toExponential(2)} (its tensor's largest |entry|: ${e.scale.toExponential(1)})`,
        );
    const pairs: [string, StepLosses[], StepLosses[]][] = [
      ['Ganvas vs PyTorch float32', r.ganvas, r.torch],
      ['Ganvas vs PyTorch float64', r.ganvas, r.torch64 ?? []],
      ['PyTorch float32 vs float64', r.torch, r.torch64 ?? []],
    ];
    for (const [label, a, b] of pairs) {
      const gaps = marks.map((n) => styleMaxGap(a, b, 0, n));
      const firstOff = a.findIndex((_, i) => styleMaxGap(a, b, i, i + 1) > 1e-5);
      console.log(
        `  ${label}: ${marks.map((n, i) => `≤ step ${n}: ${gaps[i]!.toExponential(1)}`).join(', ')}${firstOff >= 0 ? `; first step over 1e-5: ${firstOff + 1}` : ''}`,
      );
      const over = firstOff >= 0 ? String(firstOff + 1) : 'none';
      const cells = [
        label,
        seed,
        `${r1Steps} of ${steps}`,
        rule,
        adoptUnresolved ? `Ganvas's, ${r.adopted.length} unresolved entries` : 'its own',
        ...gaps.map((g) => g.toExponential(1)),
        over,
        date,
        `${cpu}, tfjs ${backend}, PyTorch ${r.torchVersion}`,
      ];
      rows.push(`| ${cells.join(' | ')} |`);
    }
    return r;
  };
  for (const [k, seed] of seeds.entries()) {
    const r = await run(seed, false);
    const dump = args.get('dump');
    if (dump && k === 0) writeFileSync(dump, JSON.stringify(r));
    // When Ganvas's rule is not NVlabs's: the peer with NVlabs's rule, and both with it (Ganvas's
    // R1 update given zero gradients for what it leaves out, by the bench, not the engine).
    if (r.r1Unreached !== 'nvlabs' && k === 0) {
      await run(seed, false, 'nvlabs');
      await run(seed, false, 'nvlabs', true);
    }
    // The same run with the float32-unresolved gradient entries handed to the peer (UNRESOLVED).
    await run(seed, true);
  }
  const head = [
    'runs',
    'seed',
    'R1 steps',
    "R1 rule (D's last bias)",
    "peer's gradients",
    ...marks.map((n) => `≤ step ${n}`),
    'first step over 1e-5',
    'date',
    'machine',
  ];
  console.log(`\n| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(row);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
