/**
 * Projection beside the training loop: the target is prepared like a training image, then the
 * optimiser (gan/explore/projection.ts) runs in slices on the command queue, between training
 * steps, on the displayed generator. Progress streams to the page a few times a second; a
 * cancel, a new projection or a new model stops it between two slices. The finished latent is
 * kept as a pin the explorer can use, for as long as the model it was found in lives.
 */
import { msg, MessageError, type Message } from '../../contract/messages.ts';
import type { ProjectedPinInfo, ProjectionRequest } from '../../contract/protocol.ts';
import { browserDecoder } from '../../data/browser/decode.ts';
import { loadImages } from '../../data/load.ts';
import { imageFromSet } from '../../data/prepare.ts';
import { gridTensor, readGrid } from '../../gan/explore/render.ts';
import { Projector, type ProjectedLatent } from '../../gan/explore/projection.ts';
import { latentModelOf } from '../../gan/explore/latent-model.ts';
import { mirrorDistance, nearestTraining } from '../../gan/explore/projection-report.ts';
import type { StoredProjection } from '../../gan/project/checkpoint-projections.ts';
import type { GanTrainer } from '../../gan/train/trainer.ts';
import { yieldToEvents } from './loop.ts';
import { pixelsOf, type SessionState } from './state.ts';

/** A slice holds the queue about this long, so training steps and commands get in between. */
const SLICE_MS = 120;
/** Progress (distance, reconstruction) is posted at most this often. */
const POST_EVERY_MS = 300;
/** Steps a slice may take at most, whatever the timing says (GPU backends queue work and time it late). */
const MAX_SLICE_STEPS = 64;

/** A projected image kept as a pin: what the page shows about it and its latent (as a project file stores it). */
export type ProjectedPin = StoredProjection;

interface Running {
  id: string;
  label: Message;
  trainer: GanTrainer;
  projector: Projector;
  target: Float32Array;
  started: number;
  /** Steps per slice, adapted to the time a slice took. */
  perSlice: number;
  /** The distance of the first step. */
  start: number;
  lastPost: number;
}

export class ProjectionTask {
  private running: Running | undefined;
  private readonly pins = new Map<string, ProjectedPin>();
  /** The generator the pins were found in. */
  private owner: GanTrainer | undefined;
  private counter = 0;

  constructor(
    private readonly s: SessionState,
    private readonly redrawExplorer: () => Promise<void>,
  ) {}

  /** The latent of a pin, for the explorer; none once the model it was found in is gone. */
  readonly lookup = (id: string): ProjectedLatent | undefined => {
    this.sync();
    return this.pins.get(id)?.latent;
  };

  /** Pins belong to one generator: a new model (fresh weights, other data, an opened run) drops them. */
  sync(): void {
    if (this.owner === this.s.trainer) return;
    this.owner = this.s.trainer;
    this.modelReplaced();
  }

  /** Every pin of the current model, for the project file. */
  saved(): StoredProjection[] {
    this.sync();
    return [...this.pins.values()];
  }

  /** A run was opened: its pins (if its file had any) replace the old model's. */
  restore(pins: StoredProjection[] | undefined): void {
    this.modelReplaced(pins ?? []);
  }

  /** Starts a projection (a running one is replaced); its target is prepared as the dataset's images are. */
  async start(request: ProjectionRequest): Promise<void> {
    const { trainer } = this.s;
    if (!trainer) return this.s.notice('info', msg('side.noGenerator'));
    this.sync();
    this.cancel();
    let prepared: { pixels: Float32Array; label: Message };
    try {
      prepared = await this.prepare(request, trainer.config.res);
    } catch (e) {
      if (e instanceof MessageError) return this.s.notice('error', e.content);
      throw e;
    }
    const space = trainer.styleTraining ? request.space : 'z';
    const objective = request.distance === 'pyramid+d' ? 'pyramid+d' : 'pyramid';
    const projector = await Projector.create(latentModelOf(trainer), prepared.pixels, {
      space,
      steps: request.steps,
      noiseMaps: request.noiseMaps === true,
      distance: objective,
    });
    const id = `p${Date.now().toString(36)}${++this.counter}`;
    const run: Running = {
      id,
      label: prepared.label,
      trainer,
      projector,
      target: prepared.pixels,
      started: performance.now(),
      perSlice: 1,
      lastPost: 0,
      start: NaN,
    };
    this.running = run;
    const target = pixelsOf(imageFromSet(setOf(prepared.pixels, trainer.config.res), 0));
    this.s.post({ type: 'projection/started', id, label: prepared.label, total: request.steps, target }, [target.pixels]);
    void this.loop(run);
  }

  /** The picture as the model sees it: decoded, composited, cropped or letterboxed, resized. */
  private async prepare(request: ProjectionRequest, res: number): Promise<{ pixels: Float32Array; label: Message }> {
    const { set } = this.s.dataset;
    if (request.target.kind === 'training') {
      const i = request.target.index;
      if (!(Number.isInteger(i) && i >= 0 && i < set.count)) throw new MessageError(msg('projection.noTrainingImage', { n: i + 1 }));
      const size = res * res * 3;
      return { pixels: set.pixels.slice(i * size, (i + 1) * size), label: msg('projection.trainingLabel', { n: i + 1 }) };
    }
    const { file } = request.target;
    const bytes = new Uint8Array(await file.arrayBuffer());
    const look = { ...this.s.dataset.options, ...(request.fit ? { fit: request.fit } : {}) };
    const loaded = await loadImages([{ name: file.name, bytes }], browserDecoder, { ...look, res, maxImages: 1 });
    const refused = loaded.rejections[0];
    if (loaded.set.count === 0) throw new MessageError(msg('projection.unreadable', { reason: refused?.reason ?? msg('file.noPixels') }));
    return { pixels: loaded.set.pixels, label: msg('projection.fileLabel', { name: file.name }) };
  }

  /** Stops the projection in progress, if any. */
  cancel(): void {
    const run = this.running;
    if (!run) return;
    this.running = undefined;
    run.projector.dispose();
    this.s.post({ type: 'projection/stopped', id: run.id });
  }

  /** The model was replaced: its projection stops and its pins go (they were found in that generator). */
  modelReplaced(pins: ProjectedPin[] = []): void {
    if (this.running) this.s.notice('info', msg('projection.stopped'));
    this.cancel();
    this.owner = this.s.trainer;
    const had = this.pins.size;
    this.pins.clear();
    if (had === 0 && pins.length === 0) return;
    for (const p of pins) this.pins.set(p.info.id, p);
    this.s.post({ type: 'projection/pins', pins: pins.map((p) => p.info) });
  }

  private async loop(run: Running): Promise<void> {
    while (this.running === run) {
      await this.s.enqueue(() => this.slice(run));
      await yieldToEvents();
    }
  }

  /** A few optimisation steps, then progress when due, or the result once the last step is done. */
  private async slice(run: Running): Promise<void> {
    if (this.running !== run) return;
    if (this.s.trainer !== run.trainer) return this.modelReplaced();
    const t0 = performance.now();
    run.projector.run(run.perSlice);
    const curve = await run.projector.drain();
    const took = performance.now() - t0;
    if (Number.isNaN(run.start) && curve.length > 0) run.start = curve[0]!;
    run.perSlice = Math.max(1, Math.min(MAX_SLICE_STEPS, Math.round((run.perSlice * SLICE_MS) / Math.max(took, 1))));
    if (run.projector.finished) return this.finish(run);
    if (performance.now() - run.lastPost < POST_EVERY_MS) return;
    run.lastPost = performance.now();
    const view = await this.view(run);
    const distance = curve.length ? curve[curve.length - 1]! : NaN;
    const { step, options } = run.projector;
    this.s.post({ type: 'projection/progress', id: run.id, step, total: options.steps, distance, curve: Array.from(curve), view }, [view.pixels]);
  }

  private async view(run: Running) {
    return pixelsOf(await readGrid(gridTensor(run.projector.image(), 1)));
  }

  private async finish(run: Running): Promise<void> {
    const { projector, trainer, target } = run;
    const res = trainer.config.res;
    const distance = await projector.distance();
    const fixedNoise = projector.optimisesNoise ? await projector.fixedNoiseDistance() : undefined;
    const latent = await projector.latentValues();
    const view = await this.view(run);
    const near = nearestTraining(this.s.dataset.set, target);
    const info: ProjectedPinInfo = {
      id: run.id,
      label: run.label,
      space: latent.space,
      steps: projector.step,
      modelStep: trainer.step,
      distance,
      mirror: mirrorDistance(target, res),
      start: run.start,
      ms: Math.round(performance.now() - run.started),
      nearest: near,
      ...(fixedNoise === undefined ? {} : { fixedNoise }),
      objective: projector.options.distance,
    };
    this.running = undefined;
    projector.dispose();
    this.pins.set(info.id, { info, latent });
    const targetImage = pixelsOf(imageFromSet(setOf(target, res), 0));
    const nearest = near ? pixelsOf(imageFromSet(this.s.dataset.set, near.index)) : undefined;
    this.s.post({ type: 'projection/done', pin: info, view, target: targetImage, nearest }, [
      view.pixels,
      targetImage.pixels,
      ...(nearest ? [nearest.pixels] : []),
    ]);
    await this.redrawExplorer();
  }
}

function setOf(pixels: Float32Array, res: number) {
  return { res, count: 1, pixels, names: ['target'] };
}
