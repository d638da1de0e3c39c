/** The page's state, folded from Worker events by one reducer. */
import type { Message } from '../contract/messages.ts';
import type { TrainConfig } from '../contract/config.ts';
import type { ExplorerFrame } from './components/Explorer.tsx';
import { initialProjection, reduceProjection, type ProjectionState } from './projection-state.ts';
import {
  assertNever,
  type BackendInfo,
  type BuiltinInfo,
  type DataLimits,
  type DatasetInfo,
  type MetricPoint,
  type PixelsMessage,
  type QualityPoint,
  type RunState,
  type RunSummary,
  type SizeProbe,
  type WorkerEvent,
} from '../contract/protocol.ts';

export interface SamplesFrame {
  step: number;
  width: number;
  height: number;
  pixels: ArrayBuffer;
}

/** Metric history as columns, the shape uPlot draws from without copying. */
export interface MetricColumns {
  step: number[];
  gLoss: number[];
  dLoss: number[];
  dReal: number[];
  dFake: number[];
  augmentP: number[];
}

export interface UiState {
  state: RunState;
  message: Message;
  /**
   * Whether the training loop runs. It outlives a 'loading' status (new data arriving while it
   * trains), so Pause stays a working button then.
   */
  looping: boolean;
  /** What the last new images did to the model, until dismissed or the next change. */
  dataChange: (WorkerEvent & { type: 'dataset/changed' }) | undefined;
  /** The run being trained, named after its data. */
  runName: string | undefined;
  backend: BackendInfo | undefined;
  builtins: BuiltinInfo[];
  limits: DataLimits | undefined;
  config: TrainConfig | undefined;
  params: { generator: number; discriminator: number };
  dataset: DatasetInfo | undefined;
  preview: { sheet: PixelsMessage; mean: PixelsMessage } | undefined;
  progress: { done: number; total: number } | undefined;
  step: number;
  imagesPerSec: number;
  metrics: MetricColumns;
  samples: SamplesFrame | undefined;
  augmented: PixelsMessage | undefined;
  explorer: ExplorerFrame | undefined;
  timeline: { step: number; image: PixelsMessage }[];
  quality: QualityPoint[];
  best: { step: number; swd: number } | undefined;
  nearest: (WorkerEvent & { type: 'nearest' }) | undefined;
  /** The last perceptual path length measured (on demand). */
  ppl: (WorkerEvent & { type: 'ppl' }) | undefined;
  runs: RunSummary[];
  currentRun: string | undefined;
  notices: { level: 'info' | 'warning' | 'error'; message: Message; id: number }[];
  /** Slow motion: which player is learning right now. */
  phase: 'd' | 'g' | null;
  /** Why the live views cost more than their share to stay fresh (a slow backend); shown by the grid. */
  paceNote: Message | null;
  /** The start-up speed test that picked the size preset, when it ran. */
  sizing: SizeProbe | undefined;
  /** The autoencoder/VAE baseline trained beside the GAN, while it trains and once it is done. */
  baseline: (WorkerEvent & { type: 'baseline' }) | undefined;
  /** Pictures projected into the generator: the one in progress and the pins they left. */
  projection: ProjectionState;
}

export const initialState: UiState = {
  state: 'loading',
  message: { key: 'session.startingWorker' },
  looping: false,
  dataChange: undefined,
  runName: undefined,
  backend: undefined,
  builtins: [],
  limits: undefined,
  config: undefined,
  params: { generator: 0, discriminator: 0 },
  dataset: undefined,
  preview: undefined,
  progress: undefined,
  step: 0,
  imagesPerSec: 0,
  metrics: { step: [], gLoss: [], dLoss: [], dReal: [], dFake: [], augmentP: [] },
  augmented: undefined,
  explorer: undefined,
  timeline: [],
  quality: [],
  best: undefined,
  nearest: undefined,
  ppl: undefined,
  runs: [],
  currentRun: undefined,
  notices: [],
  phase: null,
  paceNote: null,
  sizing: undefined,
  baseline: undefined,
  samples: undefined,
  projection: initialProjection,
};

function appendMetrics(m: MetricColumns, points: MetricPoint[]): MetricColumns {
  const next: MetricColumns = {
    step: [...m.step],
    gLoss: [...m.gLoss],
    dLoss: [...m.dLoss],
    dReal: [...m.dReal],
    dFake: [...m.dFake],
    augmentP: [...m.augmentP],
  };
  for (const p of points) {
    // After a rollback (or a rebuilt model) the run continues from an earlier step: drop the
    // history from there on, so the chart shows the run that is actually going on.
    const keep = next.step.findIndex((s) => s >= p.step);
    if (keep >= 0) for (const col of Object.values(next)) col.length = keep;
    next.step.push(p.step);
    next.gLoss.push(p.gLoss);
    next.dLoss.push(p.dLoss);
    next.dReal.push(p.dReal);
    next.dFake.push(p.dFake);
    next.augmentP.push(p.augmentP);
  }
  return next;
}

export function reduce(s: UiState, e: WorkerEvent): UiState {
  switch (e.type) {
    case 'backend':
      return { ...s, backend: e.backend, sizing: e.sizing ?? s.sizing };
    case 'builtins':
      return { ...s, builtins: e.builtins, limits: e.limits };
    case 'phase':
      return { ...s, phase: e.phase };
    case 'pace':
      return { ...s, paceNote: e.note };
    case 'status': {
      const looping = e.state === 'loading' ? s.looping : e.state === 'training';
      return {
        ...s,
        phase: e.state === 'training' ? s.phase : null,
        state: e.state,
        message: e.message,
        looping,
        progress: e.state === 'loading' ? s.progress : undefined,
      };
    }
    case 'dataset/changed':
      return { ...s, dataChange: e };
    case 'run':
      return { ...s, runName: e.name };
    case 'config':
      return { ...s, config: e.config, params: e.params };
    case 'dataset':
      return { ...s, dataset: e.dataset, progress: undefined };
    case 'dataset/preview':
      return { ...s, preview: { sheet: e.sheet, mean: e.mean } };
    case 'dataset/progress':
      return { ...s, progress: { done: e.done, total: e.total } };
    case 'metrics': {
      const last = e.points[e.points.length - 1];
      const rate = [...e.points].reverse().find((p) => p.imagesPerSec > 0)?.imagesPerSec ?? s.imagesPerSec;
      return { ...s, metrics: appendMetrics(s.metrics, e.points), step: last?.step ?? s.step, imagesPerSec: rate };
    }
    case 'timeline':
      return { ...s, timeline: [...s.timeline.filter((f) => f.step < e.step), { step: e.step, image: e.image }] };
    case 'timeline/truncate':
      return { ...s, timeline: e.step < 0 ? [] : s.timeline.filter((f) => f.step <= e.step) };
    case 'download':
      return s; // saved by useTrainer as it arrives
    case 'quality':
      return { ...s, quality: [...s.quality.filter((q) => q.step < e.point.step), e.point], best: e.best };
    case 'nearest':
      return { ...s, nearest: e };
    case 'baseline':
      return { ...s, baseline: e };
    case 'baseline/stopped':
      return { ...s, baseline: undefined };
    case 'ppl':
      return { ...s, ppl: e };
    case 'projection/started':
    case 'projection/progress':
    case 'projection/done':
    case 'projection/stopped':
    case 'projection/pins':
      return { ...s, projection: reduceProjection(s.projection, e) };
    case 'explorer':
      return { ...s, explorer: { step: e.step, mix: e.mix, interpolation: e.interpolation, noise: e.noise } };
    case 'runs':
      return { ...s, runs: e.runs, currentRun: e.current };
    case 'notice':
      return { ...s, notices: [...s.notices.slice(-4), { level: e.level, message: e.message, id: Date.now() + Math.random() }] };
    case 'project':
      return s; // a download, handled where the Worker's messages arrive (useTrainer)
    case 'augmented':
      return { ...s, augmented: e.image };
    case 'samples':
      return { ...s, samples: { step: e.step, width: e.width, height: e.height, pixels: e.pixels } };
    case 'step':
      return e.step === 0
        ? {
            ...s,
            step: 0,
            imagesPerSec: 0,
            metrics: initialState.metrics,
            quality: [],
            best: undefined,
            nearest: undefined,
            ppl: undefined,
            baseline: undefined,
          }
        : { ...s, step: e.step };
    default:
      return assertNever(e);
  }
}
