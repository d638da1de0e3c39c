/**
 * The rows `npm run bench` collects and how it prints them: Markdown tables, so that a run can be
 * pasted into docs/bench.md as it is. Every tfjs step row is also a ratio to the PyTorch peer of
 * the same size, measured in the same run.
 */
import { cpus, totalmem } from 'node:os';

/** One way of taking bare training steps: Node, a Worker in the page, or PyTorch. */
export interface StepRow {
  where: 'node' | 'page' | 'pytorch';
  backend: string;
  model: string;
  res: number;
  width: number;
  batch: number;
  /** Median after the first step; undefined when no step after the first finished in time. */
  msPerStep: number | undefined;
  firstStepMs: number | undefined;
  kernelsPerStep: number | undefined;
  /** PyTorch: the thread count (tfjs rows run on one thread). */
  threads?: number;
  note: string;
}

/** The app itself training in the page, set against bare steps on the same backend. */
export interface LoopRow {
  backend: string;
  res: number;
  batch: number;
  /** Steady images/s from the Worker's step messages, the first report excluded. */
  loopImagesPerSec: number | undefined;
  bareImagesPerSec: number | undefined;
  trainToFirstGridMs: number | undefined;
  longTasks: { count: number; totalMs: number };
  /** Sampled at the first trained grid, half-way and at the end: a leak grows at every sample, a cache once. */
  tensors: number[];
  workerHeapMB: number[];
  mainHeapMB: number[];
  steps: number;
  seconds: number;
  note: string;
}

export const imagesPerSec = (r: Pick<StepRow, 'msPerStep' | 'batch'>) => (r.msPerStep ? (1000 * r.batch) / r.msPerStep : undefined);

export function machineLine(): string {
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${cpu} × ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

/** A short machine label for the table's own column. */
export function machineLabel(): string {
  const model = cpus()[0]?.model ?? 'CPU';
  const short = /EPYC|Xeon|Ryzen|Core|Apple M\d/.exec(model)?.[0] ?? model.split(' ')[0]!;
  return `${short} ${cpus().length}c`;
}

const num = (v: number | undefined, digits = 0) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const series = (xs: number[], digits = 0) => (xs.length ? xs.map((x) => x.toFixed(digits)).join(' → ') : '–');

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The PyTorch rows of the same size, by thread count. */
function peers(rows: StepRow[], r: Pick<StepRow, 'res' | 'width' | 'batch'>): Map<number, StepRow> {
  const same = rows.filter((p) => p.where === 'pytorch' && p.res === r.res && p.width === r.width && p.batch === r.batch);
  return new Map(same.map((p) => [p.threads ?? 1, p]));
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a !== undefined && b !== undefined ? `${(a / b).toFixed(2)}×` : '–';
}

export function stepTable(rows: StepRow[], machine: string): string {
  const threads = [...new Set(rows.filter((r) => r.where === 'pytorch').map((r) => r.threads ?? 1))].sort();
  const header = [
    'machine',
    'where',
    'backend',
    'model',
    'res',
    'batch',
    'images/s',
    'ms/step',
    'first step ms',
    'kernels/step',
    ...threads.map((t) => `÷ PyTorch ${t}t`),
    'note',
  ];
  const body = rows.map((r) => {
    const peer = peers(rows, r);
    const ratios = threads.map((t) => (r.where === 'pytorch' ? '' : ratio(imagesPerSec(r), peer.get(t) && imagesPerSec(peer.get(t)!))));
    return [
      machine,
      r.where,
      r.backend,
      r.model,
      `${r.res} (w${r.width})`,
      String(r.batch),
      num(imagesPerSec(r), 1),
      num(r.msPerStep),
      num(r.firstStepMs),
      num(r.kernelsPerStep),
      ...ratios,
      r.note,
    ];
  });
  return table(header, body);
}

export function loopTable(rows: LoopRow[], torch: StepRow[], machine: string): string {
  const header = [
    'machine',
    'backend',
    'res',
    'batch',
    'loop images/s',
    'bare images/s',
    'loop ÷ bare',
    'loop ÷ PyTorch 1t',
    'Train → first grid ms',
    'long tasks (> 50 ms)',
    'tensors',
    'Worker JS heap MB',
    'page JS heap MB',
    'note',
  ];
  const body = rows.map((r) => {
    const pt = torch.find((t) => t.where === 'pytorch' && t.res === r.res && t.batch === r.batch && (t.threads ?? 1) === 1);
    return [
      machine,
      r.backend,
      String(r.res),
      String(r.batch),
      num(r.loopImagesPerSec, 1),
      num(r.bareImagesPerSec, 1),
      ratio(r.loopImagesPerSec, r.bareImagesPerSec),
      ratio(r.loopImagesPerSec, pt && imagesPerSec(pt)),
      num(r.trainToFirstGridMs),
      `${r.longTasks.count}, ${r.longTasks.totalMs.toFixed(0)} ms`,
      series(r.tensors),
      series(r.workerHeapMB, 1),
      series(r.mainHeapMB, 1),
      `${r.steps} steps in ${r.seconds.toFixed(0)} s${r.note ? `; ${r.note}` : ''}`,
    ];
  });
  return table(header, body);
}
