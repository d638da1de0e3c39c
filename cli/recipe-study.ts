/**
 * The DCGAN recipe study behind docs/recipe.md: the default DCGAN trained at each size preset the
 * start-up size test can pick, on built-in sets, over several seeds, with one engine or two (the
 * engine before a recipe change and after it), each scored the same way as `npm run train` scores
 * it: SWD (QualityTracker, 128 samples) and sample diversity (src/gan/metrics/diversity.ts).
 *
 *   npx tsx cli/recipe-study.ts --engines before=/tmp/ganvas-before,after=. --presets tiny,small
 *       --data faces --seeds 1,2,3 --steps 5000 --at 1000,2000,5000 --out /tmp/recipe-study
 *   npx tsx cli/recipe-study.ts --out /tmp/recipe-study --table docs/recipe.md
 *
 * An engine is a checkout of this repository (`git archive <commit> | tar -x -C DIR`, with
 * node_modules linked in): its own src/gan/train/trainer.ts is imported and trained, so "before" is the
 * old code itself, not an imitation of it. The loop is the CLI's (trainStep, a report every
 * `reportEvery` steps, the metrics at the checkpoints, the fixed-latent grid at the end).
 *
 * Every run writes `<out>/<engine>-<preset>-<data>-s<seed>.json` (and the grid as `.png`) and is
 * skipped when that file exists, so a study can be split over processes and resumed. `--table FILE`
 * reads every result in `--out` and writes the table (median and range over seeds) into FILE between
 * the markers `<!-- recipe-study:begin -->` and `<!-- recipe-study:end -->` (or prints it without FILE).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_CONFIG, PRESETS, type PresetName, type TrainConfig } from '../src/contract/config.ts';
import { pngOf } from '../src/data/png.ts';
import type { PreparedSet } from '../src/data/types.ts';
import { DIVERSITY_IMAGES, referenceSpread, sampleDiversity } from '../src/gan/metrics/diversity.ts';
import { QualityTracker } from '../src/gan/metrics/tracker.ts';
import type { GanTrainer } from '../src/gan/train/trainer.ts';
import type { GridImage } from '../src/gan/explore/render.ts';
import { parseArgs } from './args.ts';
import { useNodeBackend } from './node-backend.ts';
import { loadDataset } from './node-data.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** What the study needs of an engine's trainer (older engines have the same methods). */
interface StudyTrainer {
  readonly step: number;
  trainStep(): void;
  report(): Promise<{ gLoss: number; dLoss: number; dReal: number; dFake: number } | undefined>;
  samplePixels(n: number): Promise<Float32Array>;
  renderGrid(): Promise<GridImage>;
  dispose(): void;
}
type TrainerClass = new (config: TrainConfig, set: PreparedSet) => StudyTrainer;

interface Point {
  step: number;
  swd: number;
  diversity: number;
  gLoss: number;
  dLoss: number;
  dReal: number;
  dFake: number;
}

interface Result {
  engine: string;
  commit: string;
  preset: PresetName;
  data: string;
  seed: number;
  steps: number;
  /** False while the run is under way (or after it was stopped): `points` ends where it got to. */
  complete: boolean;
  config: Pick<TrainConfig, 'res' | 'width' | 'batch' | 'zDim' | 'lrG' | 'lrD' | 'beta1'>;
  images: number;
  points: Point[];
  seconds: number;
  machine: string;
  date: string;
}

function commitOf(dir: string): string {
  const stamp = join(dir, 'COMMIT');
  if (existsSync(stamp)) return readFileSync(stamp, 'utf8').trim();
  try {
    const head = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', dir, 'status', '--porcelain', '--', 'src/gan'], { encoding: 'utf8' }).trim();
    return dirty ? `${head}+uncommitted src/gan` : head;
  } catch {
    return 'unknown';
  }
}

async function trainerOf(dir: string): Promise<TrainerClass> {
  // The trainer moved into src/gan/train/ after the commits docs/recipe.md compares; take either.
  const path = ['src/gan/train/trainer.ts', 'src/gan/trainer.ts'].map((p) => join(dir, p)).find((p) => existsSync(p));
  if (!path) throw new Error(`${dir} holds no src/gan/train/trainer.ts or src/gan/trainer.ts`);
  const mod = (await import(pathToFileURL(path).href)) as { GanTrainer: TrainerClass };
  return mod.GanTrainer;
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, no GPU, WASM backend, Node ${process.version}`;
}

async function study(args: Map<string, string>): Promise<void> {
  const list = (key: string, fallback: string) => (args.get(key) ?? fallback).split(',').filter(Boolean);
  const engines = list('engines', 'after=.').map((e) => {
    const [name, dir] = e.split('=') as [string, string | undefined];
    return { name, dir: resolve(REPO, dir ?? '.') };
  });
  const presets = list('presets', 'tiny,small') as PresetName[];
  const sets = list('data', 'faces');
  const seeds = list('seeds', '1,2,3').map(Number);
  const steps = Number(args.get('steps') ?? 5000);
  const at = [...new Set([...list('at', String(steps)).map(Number), steps])].filter((s) => s <= steps).sort((a, b) => a - b);
  const out = args.get('out') ?? join(os.tmpdir(), 'ganvas-recipe-study');
  await mkdir(out, { recursive: true });
  await useNodeBackend('wasm');

  for (const preset of presets) {
    for (const data of sets) {
      const config0: TrainConfig = { ...DEFAULT_CONFIG, ...PRESETS[preset], gridSide: 8 };
      const { set } = await loadDataset(data, config0.res);
      const quality = new QualityTracker();
      quality.setDataset(set);
      const spread = referenceSpread(set);
      for (const engine of engines) {
        const Trainer = await trainerOf(engine.dir);
        const commit = commitOf(engine.dir);
        for (const seed of seeds) {
          const file = join(out, `${engine.name}-${preset}-${data}-s${seed}`);
          if (existsSync(`${file}.json`) && (JSON.parse(readFileSync(`${file}.json`, 'utf8')) as Result).complete) continue;
          const config = { ...config0, seed };
          const trainer = new Trainer(config, set);
          const points: Point[] = [];
          const t0 = performance.now();
          const { res, width, batch, zDim, lrG, lrD, beta1 } = config;
          // Written at every checkpoint, so a run stopped early still reports the steps it reached.
          const save = async (done: boolean) => {
            const grid = await trainer.renderGrid();
            await writeFile(`${file}.png`, pngOf({ width: grid.width, height: grid.height, data: grid.pixels }));
            const result: Result = {
              engine: engine.name,
              commit,
              preset,
              data,
              seed,
              steps,
              complete: done,
              config: { res, width, batch, zDim, lrG, lrD, beta1 },
              images: set.count,
              points,
              seconds: (performance.now() - t0) / 1000,
              machine: machine(),
              date: new Date().toISOString(),
            };
            await writeFile(`${file}.json`, JSON.stringify(result, null, 1));
          };
          for (let s = 1; s <= steps; s++) {
            trainer.trainStep();
            const checkpoint = at.includes(s);
            if (s % config.reportEvery === 0 || checkpoint) {
              const r = (await trainer.report())!;
              if (!checkpoint) continue;
              const q = (await quality.evaluate(trainer as unknown as GanTrainer))!;
              const diversity = sampleDiversity(await trainer.samplePixels(DIVERSITY_IMAGES), DIVERSITY_IMAGES, config.res, spread);
              points.push({ step: s, swd: q.swd, diversity, gLoss: r.gLoss, dLoss: r.dLoss, dReal: r.dReal, dFake: r.dFake });
              const secs = (performance.now() - t0) / 1000;
              console.log(
                `${engine.name} ${preset} ${data} seed ${seed}: step ${s}/${steps} · ${(s / secs).toFixed(1)} steps/s · SWD ${q.swd.toFixed(1)} · diversity ${diversity.toFixed(2)}`,
              );
              await save(s === steps);
            }
          }
          trainer.dispose();
          quality.reset();
        }
      }
    }
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const cell = (xs: number[], digits: number) =>
  xs.length === 1 ? xs[0]!.toFixed(digits) : `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

const PRESET_ORDER: PresetName[] = ['tiny', 'small', 'full'];

function table(out: string): string {
  const results = readdirSync(out)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(out, f), 'utf8')) as Result);
  const groups = new Map<string, Result[]>();
  for (const r of results) {
    const key = `${r.preset}|${r.data}|${r.engine}|${r.steps}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const keys = [...groups.keys()].sort((a, b) => {
    const [pa, da, ea, sa] = a.split('|') as [PresetName, string, string, string];
    const [pb, db, eb, sb] = b.split('|') as [PresetName, string, string, string];
    return (
      PRESET_ORDER.indexOf(pa) - PRESET_ORDER.indexOf(pb) ||
      da.localeCompare(db) ||
      Number(sa) - Number(sb) ||
      (ea === 'before' ? -1 : eb === 'before' ? 1 : ea.localeCompare(eb))
    );
  });
  const lines = [
    '| preset | data (images) | engine (commit) | seeds | step | SWD median (range) | diversity median (range) | D(real) / D(fake) median | steps/s |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const key of keys) {
    const rs = groups.get(key)!.sort((a, b) => a.seed - b.seed);
    const r0 = rs[0]!;
    const size = `${r0.preset} (${r0.config.res} px, width ${r0.config.width}, batch ${r0.config.batch})`;
    const commits = [...new Set(rs.map((r) => r.commit))].join(', ');
    const stopped = rs.filter((r) => !r.complete).map((r) => `seed ${r.seed} at ${r.points.at(-1)?.step ?? 0}`);
    const engine = `${r0.engine} (${commits})${stopped.length ? `; stopped before ${r0.steps} steps: ${stopped.join(', ')}` : ''}`;
    // Checkpoints any seed reached (a stopped run has fewer), each over the seeds that reached it.
    const steps = [...new Set(rs.flatMap((r) => r.points.map((q) => q.step)))].sort((a, b) => a - b);
    for (const step of steps) {
      const at = rs.map((r) => r.points.find((q) => q.step === step)).filter((q): q is Point => q !== undefined);
      const rate = step === steps.at(-1) ? median(rs.map((r) => r.points.at(-1)!.step / r.seconds)).toFixed(1) : '';
      const seeds = rs.filter((r) => r.points.some((q) => q.step === step)).map((r) => r.seed);
      lines.push(
        `| ${size} | ${r0.data} (${r0.images}) | ${engine} | ${seeds.join(', ')} | ${step} | ${cell(
          at.map((q) => q.swd),
          1,
        )} | ${cell(
          at.map((q) => q.diversity),
          2,
        )} | ${median(at.map((q) => q.dReal)).toFixed(2)} / ${median(at.map((q) => q.dFake)).toFixed(2)} | ${rate} |`,
      );
    }
  }
  const dates = results.map((r) => r.date).sort();
  const machines = [...new Set(results.map((r) => r.machine))];
  lines.push('', `${results.length} runs, ${dates[0]?.slice(0, 16)} to ${dates.at(-1)?.slice(0, 16)} UTC, on ${machines.join('; ')}.`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.has('table')) return study(args);
  const text = table(args.get('out') ?? join(os.tmpdir(), 'ganvas-recipe-study'));
  const target = args.get('table')!;
  if (target === 'true') return console.log(text);
  const doc = readFileSync(target, 'utf8');
  const begin = '<!-- recipe-study:begin -->';
  const end = '<!-- recipe-study:end -->';
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${target} has no ${begin} … ${end} markers`);
  await writeFile(target, `${doc.slice(0, i + begin.length)}\n${text}\n${doc.slice(j)}`);
  console.log(`table written into ${target}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
