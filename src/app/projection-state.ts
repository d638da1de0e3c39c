/** The page's view of projections: the one in progress (or last finished) and the pins they left. */
import type { Message } from '../contract/messages.ts';
import type { PixelsMessage, ProjectedPinInfo, WorkerEvent } from '../contract/protocol.ts';

export interface ProjectionRun {
  id: string;
  label: Message;
  step: number;
  total: number;
  /** The last distance reported (with the search's latent noise), then the final one. */
  distance: number | undefined;
  /** One distance per step, for the curve. */
  curve: number[];
  target: PixelsMessage;
  view: PixelsMessage | undefined;
  state: 'running' | 'done' | 'stopped';
  /** Once done: the pin and the nearest training image. */
  pin: ProjectedPinInfo | undefined;
  nearest: PixelsMessage | undefined;
}

export interface ProjectionState {
  run: ProjectionRun | undefined;
  pins: ProjectedPinInfo[];
}

export const initialProjection: ProjectionState = { run: undefined, pins: [] };

export type ProjectionEvent = Extract<WorkerEvent, { type: `projection/${string}` }>;

export function reduceProjection(p: ProjectionState, e: ProjectionEvent): ProjectionState {
  switch (e.type) {
    case 'projection/started':
      return {
        ...p,
        run: {
          id: e.id,
          label: e.label,
          step: 0,
          total: e.total,
          distance: undefined,
          curve: [],
          target: e.target,
          view: undefined,
          state: 'running',
          pin: undefined,
          nearest: undefined,
        },
      };
    case 'projection/progress': {
      const run = p.run?.id === e.id ? p.run : undefined;
      if (!run) return p;
      return { ...p, run: { ...run, step: e.step, distance: e.distance, curve: [...run.curve, ...e.curve], view: e.view } };
    }
    case 'projection/done': {
      const run = p.run?.id === e.pin.id ? p.run : undefined;
      const pins = [...p.pins.filter((q) => q.id !== e.pin.id), e.pin];
      if (!run) return { ...p, pins };
      return {
        run: { ...run, step: e.pin.steps, distance: e.pin.distance, view: e.view, target: e.target, state: 'done', pin: e.pin, nearest: e.nearest },
        pins,
      };
    }
    case 'projection/stopped':
      return p.run?.id === e.id && p.run.state === 'running' ? { ...p, run: { ...p.run, state: 'stopped' } } : p;
    case 'projection/pins':
      return { run: p.run && e.pins.some((q) => q.id === p.run!.id) ? p.run : p.run?.state === 'running' ? p.run : undefined, pins: e.pins };
  }
}

/** How close the fit is, against the target's own mirror image (see gan/explore/projection-report.ts). */
export type FitVerdict = 'mirror' | 'near' | 'far';

/**
 * Within 2× of the mirror distance: as close as a mirrored copy; within 4×: resembling it. A
 * picture whose mirror image is very different (a large yardstick) could pass that while the
 * search barely moved, so the fit must also have come well down from where it started.
 */
export function fitVerdict(pin: ProjectedPinInfo): FitVerdict {
  const ratio = pin.distance / Math.max(pin.mirror, 1e-12);
  const came = Number.isFinite(pin.start) && pin.start > 0 ? pin.distance / pin.start : 0;
  // A picture far from every training image is at best resembled: W+ fits the coarse colours of
  // almost anything (an emoji orangutan in a faces model: 0.11× its mirror distance, a brown blur).
  if (ratio <= 2 && came <= 0.5 && !pin.nearest?.far) return 'mirror';
  return ratio <= 4 && came <= 0.75 ? 'near' : 'far';
}
