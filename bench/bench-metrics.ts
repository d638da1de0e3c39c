/**
 * Timings and calibration of the quality metrics (src/gan/metrics), printed, never asserted.
 *
 *   npx tsx bench/bench-metrics.ts              # SWD and nearest-image timings, threshold table
 *   npx tsx bench/bench-metrics.ts --paper      # also the published SWD settings (slow)
 *   npx tsx bench/bench-metrics.ts --images 512
 *
 * Wall time and this process's CPU time are both shown: on a shared machine the CPU time is the
 * steadier number.
 */
import { cpus } from 'node:os';
import { makeShapes } from '../src/data/builtin/procedural.ts';
import { buildIndex, nearest, NEAR_COPY_THRESHOLD, typicalGap } from '../src/gan/metrics/nearest.ts';
import { describeSet, PAPER_DESCRIBE, PAPER_SLICE, swd, type DescribeOptions, type ImageSet, type SliceOptions } from '../src/gan/metrics/swd.ts';
import { Rng } from '../src/gan/nn/random.ts';
import { parseArgs } from '../cli/args.ts';

function timed<T>(f: () => T): { value: T; wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const c = process.cpuUsage(c0);
  return { value, wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}
const ms = (t: { wall: number; cpu: number }) => `${t.wall.toFixed(0).padStart(6)} ms (cpu ${t.cpu.toFixed(0).padStart(6)})`;

function shapes(res: number, count: number, seed: number): ImageSet {
  return makeShapes({ res, count, seed });
}

function benchSwd(res: number, images: number, name: string, d: Partial<DescribeOptions>, s: Partial<SliceOptions>): void {
  const reals = shapes(res, images, 1);
  const fakes = shapes(res, images, 2);
  const ref = timed(() => describeSet(reals, d));
  const cold = timed(() => swd(ref.value, describeSet(fakes, d), s));
  // Next evaluation: new samples, the reference's sorted projections come from its memo.
  const warm = timed(() => swd(ref.value, describeSet(shapes(res, images, 3), d), s));
  const levels = cold.value.levels.join('/');
  console.log(
    `swd ${name.padEnd(8)} ${String(res).padStart(2)} px, levels ${levels.padEnd(8)} ${images} vs ${images}: describe ref ${ms(ref)}, first swd ${ms(cold)}, later swd ${ms(warm)}; mean ${warm.value.mean.toFixed(1)}`,
  );
}

function benchNearest(res: number, trainCount: number, samples: number): void {
  const train = shapes(res, trainCount, 11);
  const build = timed(() => buildIndex(train));
  const query = timed(() => nearest(build.value, shapes(res, samples, 12).pixels, samples, res));
  const gap = timed(() => typicalGap(build.value));
  console.log(
    `nearest ${String(res).padStart(2)} px, ${samples} samples vs ${trainCount} images: index ${ms(build)}, query ${ms(query)}, typicalGap ${ms(gap)} = ${gap.value.toFixed(3)}`,
  );
}

const quantile = (values: number[], q: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** Distances of damaged copies and of distinct images, the numbers behind NEAR_COPY_THRESHOLD. */
function calibrate(res: number, trainCount: number): void {
  const q = 256;
  const train = shapes(res, trainCount, 11);
  const index = buildIndex(train);
  const queries = train.pixels.slice(0, q * res * res * 3);
  const rng = new Rng(5);
  const stats = (pixels: Float32Array) => {
    const m = nearest(index, pixels, q, res);
    const hit = m.filter((x, i) => x.index === i && x.nearCopy).length;
    const d = m.map((x) => x.distance);
    return `median ${quantile(d, 0.5).toFixed(3)} max ${quantile(d, 1).toFixed(3)} flagged ${hit}/${q}`;
  };
  const rows = [0.05, 0.1, 0.2].map((sigma) => `noise ${sigma}: ${stats(queries.map((v) => v + sigma * rng.normal()))}`);
  const shifted = queries.map((_, i) => {
    const x = Math.floor(i / 3) % res;
    return queries[x === 0 ? i : i - 3];
  });
  rows.push(`shift 1 px: ${stats(shifted)}`);
  // Distinct images: queries from another seed, none of them in the index.
  const other = nearest(index, shapes(res, q, 99).pixels, q, res).map((x) => x.distance);
  rows.push(
    `distinct: min ${quantile(other, 0).toFixed(3)} p1 ${quantile(other, 0.01).toFixed(3)} median ${quantile(other, 0.5).toFixed(3)} flagged ${other.filter((d) => d < NEAR_COPY_THRESHOLD).length}/${q}`,
  );
  console.log(`calibration ${res} px, ${trainCount} training images, threshold ${NEAR_COPY_THRESHOLD}:\n  ${rows.join('\n  ')}`);
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const images = Number(args.get('images') ?? 256);
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
  for (const res of [16, 32, 64]) benchSwd(res, images, 'default', {}, {});
  benchSwd(16, images, 'minRes 8', { minRes: 8 }, {});
  if (args.has('paper')) for (const res of [16, 32, 64]) benchSwd(res, images, 'paper', PAPER_DESCRIBE, PAPER_SLICE);
  console.log();
  for (const [res, count] of [
    [32, 256],
    [32, 4096],
    [64, 1024],
  ] as const)
    benchNearest(res, count, images);
  console.log();
  for (const [res, count] of [
    [16, 256],
    [32, 256],
    [16, 4096],
    [32, 4096],
    [64, 1024],
  ] as const)
    calibrate(res, count);
}

main();
