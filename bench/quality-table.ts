/**
 * The table of `npm run bench:quality` (bench/bench-quality.ts): run results in, markdown out. Pure, so the summary
 * (medians, ranges, collapsed seeds, the issue's target ratios) is unit-tested apart from any training.
 */
import { COLLAPSE_DIVERSITY } from '../src/contract/metrics.ts';

/** One measurement of a run: at a fixed step count (`at: 'step'`) or after a fixed training time (`at: 'time'`). */
export interface RunPoint {
  at: 'step' | 'time';
  /** The step count, or the minutes of training, this point was taken for. */
  mark: number;
  /** The step the run was at (for a time mark: the first step at or after it). */
  step: number;
  /** Seconds of training (evaluations not counted) up to `step`. */
  seconds: number;
  swd: number;
  diversity: number;
}

export interface RunResult {
  set: string;
  images: number;
  res: number;
  model: string;
  label: string;
  seed: number;
  /** What was asked for: the step marks and the time marks (minutes). */
  steps: number[];
  minutes: number[];
  /** False while a run is under way or after it was stopped: `points` ends where it got to. */
  complete: boolean;
  points: RunPoint[];
  /** Training steps per second over the whole run (evaluations not counted). */
  stepsPerSec: number;
  /** width, batch and anything else worth saying about the configuration. */
  setup: string;
  backend: string;
  machine: string;
  /** The machine's 1-minute load average when the run started (other jobs share its cores). */
  load: number;
  date: string;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Marks in table order: step marks by count, then time marks by minutes. */
function marksOf(runs: RunResult[]): RunPoint[] {
  const byKey = new Map(runs.flatMap((r) => r.points.map((p) => [`${p.at}|${p.mark}`, p] as const)));
  return [...byKey.values()].sort((a, b) => (a.at === b.at ? a.mark - b.mark : a.at === 'step' ? -1 : 1));
}

/** "median (min–max)", or the value alone for one seed. */
export function spread(xs: number[], digits: number): string {
  if (xs.length === 0) return '–';
  const f = (v: number) => v.toFixed(digits);
  return xs.length === 1 ? f(xs[0]!) : `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
}

const markName = (at: RunPoint['at'], mark: number) => (at === 'step' ? `step ${mark}` : `${mark} min`);

/** The points of one mark over a group's seeds (seeds that never reached it are left out). */
function pointsAt(runs: RunResult[], at: RunPoint['at'], mark: number): RunPoint[] {
  return runs.map((r) => r.points.find((p) => p.at === at && p.mark === mark)).filter((p): p is RunPoint => p !== undefined);
}

/** One table row per model, one column per mark: SWD and diversity, median (range) over seeds, and the collapsed seeds. */
export function groupTable(runs: RunResult[], order: string[]): string[] {
  const models = [...new Set(runs.map((r) => r.model))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const marks = marksOf(runs);
  const header = [
    'model',
    'seeds',
    'steps/s',
    ...marks.map((m) => `${markName(m.at, m.mark)}: SWD · diversity`),
    `collapsed (diversity < ${COLLAPSE_DIVERSITY})`,
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const model of models) {
    const rs = runs.filter((r) => r.model === model).sort((a, b) => a.seed - b.seed);
    const cells = marks.map((m) => {
      const ps = pointsAt(rs, m.at, m.mark);
      const cell = `${spread(
        ps.map((p) => p.swd),
        1,
      )} · ${spread(
        ps.map((p) => p.diversity),
        2,
      )}`;
      // A time mark is reached at a different step by each model: say which.
      const steps =
        m.at === 'time' && ps.length
          ? ` (step ${spread(
              ps.map((p) => p.step),
              0,
            )})`
          : '';
      return ps.length < rs.length ? `${cell}${steps}; ${ps.length} of ${rs.length} seeds` : `${cell}${steps}`;
    });
    lines.push(
      `| ${rs[0]!.label} | ${rs.map((r) => r.seed).join(', ')} | ${median(rs.map((r) => r.stepsPerSec)).toFixed(2)} | ${cells.join(' | ')} | ${collapsed(rs)} |`,
    );
  }
  return lines;
}

/** Seeds whose last point reads below the collapse line, as "k of n" with their seeds. */
export function collapsed(runs: RunResult[]): string {
  // The run's furthest point (time and step marks interleave differently for each model).
  const bad = runs.filter((r) => {
    const last = [...r.points].sort((a, b) => a.step - b.step).at(-1);
    return last !== undefined && last.diversity < COLLAPSE_DIVERSITY;
  });
  return `${bad.length} of ${runs.length}${bad.length ? ` (seed ${bad.map((r) => r.seed).join(', ')})` : ''}`;
}

/**
 * The issue's targets (#15) where the runs hold what they need: each StyleGAN variant's median SWD over the page
 * default DCGAN's (target ≤ 0.75), the DCGAN's over the PyTorch textbook DCGAN's (target ≤ 1.1), and DCGAN + R1's
 * over the page default's (better: < 1), at every mark.
 */
export function targetLines(runs: RunResult[]): string[] {
  const medianSwd = (model: string, at: RunPoint['at'], mark: number) => {
    const ps = pointsAt(
      runs.filter((r) => r.model === model),
      at,
      mark,
    );
    return ps.length ? median(ps.map((p) => p.swd)) : NaN;
  };
  const marks = marksOf(runs);
  const out: string[] = [];
  const ratio = (a: string, b: string, target: number) =>
    marks
      .map((m) => ({ m, v: medianSwd(a, m.at, m.mark) / medianSwd(b, m.at, m.mark) }))
      .filter(({ v }) => Number.isFinite(v))
      .map(({ m, v }) => `${markName(m.at, m.mark)} ${v.toFixed(2)}${v <= target ? ' ✓' : ' ✗'}`);
  for (const style of ['stylegan', 'stylegan-ada', 'stylegan-diffaug']) {
    const r = ratio(style, 'dcgan', 0.75);
    if (r.length) out.push(`- ${style} / dcgan median SWD (target ≤ 0.75): ${r.join(', ')}`);
  }
  const t = ratio('dcgan', 'torch-dcgan', 1.1);
  if (t.length) out.push(`- dcgan / torch-dcgan median SWD (target ≤ 1.1): ${t.join(', ')}`);
  // Issue #15's D stabiliser: ✓ where R1's median SWD is below the page default's (the rule also wants no collapsed seed).
  const r1 = ratio('dcgan-r1', 'dcgan', 1 - 1e-9);
  if (r1.length) out.push(`- dcgan-r1 / dcgan median SWD (better: < 1): ${r1.join(', ')}`);
  return out;
}

/** Every (set, resolution) group's table, the targets under it, and where and when the runs were made. */
export function qualityTables(runs: RunResult[], order: string[], floors: Map<string, number> = new Map()): string {
  const groups = new Map<string, RunResult[]>();
  for (const r of runs) groups.set(`${r.set}|${r.res}`, [...(groups.get(`${r.set}|${r.res}`) ?? []), r]);
  const out: string[] = [];
  for (const [key, rs] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const r0 = rs[0]!;
    const floor = floors.get(key);
    out.push(
      `**${r0.set} (${r0.images} images) at ${r0.res} px** (${r0.setup})${floor === undefined ? '' : `; SWD of the dataset itself (128 images resampled): ${floor.toFixed(1)}`}`,
      '',
      ...groupTable(rs, order),
      '',
      ...targetLines(rs),
      '',
    );
  }
  const dates = runs.map((r) => r.date).sort();
  const incomplete = runs.filter((r) => !r.complete).length;
  const loads = runs.map((r) => r.load);
  out.push(
    `${runs.length} runs${incomplete ? ` (${incomplete} stopped early: their missing marks are left out)` : ''}, ${dates[0]?.slice(0, 16)} to ${dates.at(-1)?.slice(0, 16)} UTC, on ${[
      ...new Set(runs.map((r) => r.machine)),
    ].join(
      '; ',
    )}; load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} at the runs’ starts (steps/s are this shared machine’s). Backends: ${[
      ...new Set(runs.map((r) => r.backend)),
    ].join('; ')}.`,
  );
  return out.join('\n');
}
