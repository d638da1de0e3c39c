/**
 * One table from several `npm run bench:webgpu -- … --json FILE` runs: per variant (the files'
 * name up to its last `-`, e.g. `ours` for `ours-1.json`, `ours-2.json`) and row, the exact counts
 * and the median (range) of the timings over every run's rows; where a run repeats a row, its
 * first (cold: JIT and shader compiles) is left out. Alternating the variants' runs
 * spreads a shared machine's load over all of them; the counts are exact either way.
 *
 *   npx tsx bench/webgpu-runs-table.ts DIR/ours-*.json DIR/stock-*.json
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { median } from './step-timing.ts';

interface RunRow {
  backend: string;
  model: string;
  res: number;
  batch: number;
  msPerStep: number;
  hostMsPerStep: number;
  cpuMsPerStep: number;
  kernels?: number;
  dispatches?: number;
  submits?: number;
}
interface RunFile {
  date: string;
  cpu: string;
  host: boolean;
  rows: RunRow[];
}

const files = process.argv.slice(2).map((f) => ({ variant: basename(f, '.json').replace(/-[^-]*$/, ''), run: JSON.parse(readFileSync(f, 'utf8')) as RunFile }));
const groups = new Map<string, { variant: string; rows: RunRow[] }>();
for (const { variant, run } of files) {
  const keyOf = (r: RunRow) => `${r.model}|${r.res}|${r.batch}`;
  const count = new Map<string, number>();
  for (const r of run.rows) count.set(keyOf(r), (count.get(keyOf(r)) ?? 0) + 1);
  const seen = new Set<string>();
  for (const r of run.rows) {
    const first = !seen.has(keyOf(r));
    seen.add(keyOf(r));
    if (first && count.get(keyOf(r))! > 1) continue; // the cold row of a repeated size
    const key = `${variant}|${keyOf(r)}`;
    const g = groups.get(key) ?? { variant, rows: [] };
    g.rows.push(r);
    groups.set(key, g);
  }
}
const spread = (xs: number[]) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
const dates = files.map((f) => f.run.date).sort();
console.log(`${files.length} runs, ${dates[0]} to ${dates.at(-1)}, ${files[0]?.run.cpu}${files[0]?.run.host ? ", Dawn's null backend" : ''}`);
console.log('');
console.log('| variant | model | res | batch | rows | kernels/step | dispatches/step | submits/step | ms/step | host ms/step | CPU ms/step |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const { variant, rows } of groups.values()) {
  const r = rows[0]!;
  console.log(
    `| ${variant} | ${r.model} | ${r.res} | ${r.batch} | ${rows.length} | ${r.kernels ?? '–'} | ${r.dispatches ?? '–'} | ${r.submits ?? '–'} | ` +
      `${spread(rows.map((x) => x.msPerStep))} | ${spread(rows.map((x) => x.hostMsPerStep))} | ${spread(rows.map((x) => x.cpuMsPerStep))} |`,
  );
}
