/**
 * `npm run bench:ada`: the cost of ADA's augmentation pipeline (src/gan/train/ada-pipeline.ts,
 * NVlabs's 'bgc') on tfjs's WASM backend with our kernels, beside DiffAugment's augment(), and
 * (with --blur) how much the resampling blurs, from the PyTorch peer (bench/peer/augment.py).
 *
 *   npm run bench:ada -- [--calls N] [--blur]
 *
 * Per row: N calls after 5 untimed ones, each followed by a read of the result (so the work is
 * done when the clock stops); wall ms is the median call, CPU ms the process's CPU time per call
 * (all threads), which other jobs' load on a shared machine moves far less than wall time.
 * "forward" is adaAugment alone (D's step: no gradient through the pipe); "forward + backward"
 * is the gradient of Σ w·aug(x) with respect to x (G's step: the gradient reaches G).
 * The table goes in docs/parity.md, "ADA pipeline".
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from '../cli/args.ts';
import { useNodeBackend } from '../cli/node-backend.ts';
import { adaAugment, BGC } from '../src/gan/train/ada-pipeline.ts';
import { augment, DIFF_AUGMENT } from '../src/gan/train/augment.ts';
import { Rng } from '../src/gan/nn/random.ts';

const args = parseArgs(process.argv.slice(2));
const calls = Number(args.get('calls') ?? 30);

interface Timing {
  wallMs: number;
  cpuMs: number;
}

function timeCalls(f: () => tf.Tensor): Timing {
  const once = (): void => {
    const t = f();
    t.dataSync();
    t.dispose();
  };
  for (let i = 0; i < 5; i++) once();
  const walls: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    once();
    walls.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  walls.sort((a, b) => a - b);
  return { wallMs: walls[walls.length >> 1]!, cpuMs: (cpu.user + cpu.system) / 1000 / calls };
}

type Augmenter = (x: tf.Tensor4D, rng: Rng) => tf.Tensor4D;

function row(name: string, batch: number, aug: Augmenter): string {
  const rng = new Rng(1);
  const init = new Rng(2);
  const shape: [number, number, number, number] = [batch, 32, 32, 3];
  const n = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor4d(
    Float32Array.from({ length: n }, () => init.next() * 2 - 1),
    shape,
  );
  const w = tf.tensor4d(
    Float32Array.from({ length: n }, () => init.next() * 2 - 1),
    shape,
  );
  const forward = timeCalls(() => aug(x, rng));
  const both = timeCalls(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(aug(t as tf.Tensor4D, rng), w)))(x));
  tf.dispose([x, w]);
  const f = (t: Timing): string => `${t.wallMs.toFixed(1)} | ${t.cpuMs.toFixed(1)}`;
  return `| ${name} | ${batch} | ${f(forward)} | ${f(both)} |`;
}

await useNodeBackend('wasm');
console.log(
  `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}; tfjs ${tf.version.tfjs} ${tf.getBackend()}; ${calls} calls per cell\n`,
);
console.log('| augmentation (32 px) | batch | forward wall ms | forward CPU ms | forward + backward wall ms | forward + backward CPU ms |');
console.log('|---|---|---|---|---|---|');
for (const batch of [32, 64]) {
  for (const interpolation of ['bicubic', 'bilinear'] as const) {
    for (const p of [0.2, 0.6, 1]) console.log(row(`ADA bgc ${interpolation}, p = ${p}`, batch, (x, rng) => adaAugment(x, p, rng, { ...BGC, interpolation })));
  }
  console.log(row('DiffAugment (colour, translation, cutout), p = 1', batch, (x, rng) => augment(x, DIFF_AUGMENT, 1, rng)));
}
console.log(`\nload after: ${os.loadavg()[0]!.toFixed(1)}`);

if (args.has('blur')) {
  const peer = spawnSync('/usr/bin/python3', ['bench/peer/augment.py', '--blur'], { encoding: 'utf8' });
  if (peer.status !== 0) {
    console.log(`\nblur: the PyTorch peer did not run (${peer.stderr.trim().split('\n').pop()})`);
  } else {
    console.log(
      "\nPer resampler: \"RMS vs ideal / detail kept\" (gradient energy over the ideal's, or the input's); last columns: RMS against NVlabs's images.\n",
    );
    console.log('| transform | images | bilinear (ours) | bicubic (ours, default) | NVlabs 2× sym6 | bilinear vs NVlabs | bicubic vs NVlabs |');
    console.log('|---|---|---|---|---|---|---|');
    type Method = { rms_vs_ideal?: number; gradient_energy_kept: number };
    for (const line of peer.stdout.trim().split('\n')) {
      const r = JSON.parse(line) as Record<string, unknown> & { transform: string; image: string };
      const v = (x: number | undefined, digits = 4): string => (x === undefined ? '–' : x < 1e-3 ? x.toExponential(1) : x.toFixed(digits));
      const m = (name: string): string => {
        const e = r[name] as Method;
        return `${e.rms_vs_ideal === undefined ? '' : `${v(e.rms_vs_ideal)} / `}${v(e.gradient_energy_kept, 3)}`;
      };
      const vs = (name: string): string => v(r[name] as number | undefined);
      console.log(
        `| ${r.transform} | ${r.image} | ${m('bilinear')} | ${m('bicubic')} | ${m('nvlabs_2x_sym6')} | ${vs('rms_bilinear_vs_nvlabs')} | ${vs('rms_bicubic_vs_nvlabs')} |`,
      );
    }
  }
}
