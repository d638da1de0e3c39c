/**
 * npm run bench: images/s of one DCGAN training step (one D + one G Adam step) at 32×32,
 * batch 32 — in Node on each backend that trains there, and in the page's Worker in headless
 * Chromium on each browser backend. Numbers with the machine named, never assertions.
 *
 *   npm run bench                 # everything
 *   npm run bench -- --only node  # Node rows only
 *   npm run bench -- --steps 10 --page-seconds 40
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from './args.ts';
import { benchNode } from './bench-node.ts';
import { benchPage } from './bench-page.ts';

export interface BenchRow {
  where: 'node' | 'page';
  backend: string;
  note: string;
  msPerStep: number;
  imagesPerSec: number;
  firstStepMs?: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const only = args.get('only');
  const steps = Number(args.get('steps') ?? 8);
  const pageSeconds = Number(args.get('page-seconds') ?? 45);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`machine: ${cpu} × ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  console.log('model: DCGAN 32×32, width 32, zDim 100 (G 372,771 / D 167,649 parameters), batch 32, one D + one G Adam step\n');
  const rows: BenchRow[] = [];
  const print = (r: BenchRow) =>
    console.log(
      `${r.where.padEnd(5)} ${r.backend.padEnd(7)} ${r.imagesPerSec.toFixed(1).padStart(8)} img/s ${r.msPerStep.toFixed(0).padStart(7)} ms/step` +
        `${r.firstStepMs !== undefined ? `  first step ${r.firstStepMs.toFixed(0)} ms` : ''}  ${r.note}`,
    );
  const keep = (r: BenchRow) => print(rows[rows.push(r) - 1]!);
  if (only !== 'page') await benchNode(steps, keep);
  if (only !== 'node') await benchPage(pageSeconds, keep);
  const base = rows.find((r) => r.where === 'node' && r.backend === 'cpu');
  if (base) {
    console.log('\nratio to Node cpu (same run):');
    for (const r of rows) console.log(`  ${r.where} ${r.backend}: ${(r.imagesPerSec / base.imagesPerSec).toFixed(2)}×`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
