/**
 * How many bytes a training config needs on the device, from shapes alone (nothing is built),
 * and whether that fits the backend, so an impossible config is refused with a reason before the
 * tab runs out of memory. Pure: no tfjs, no DOM.
 *
 * The estimate follows what the trainer keeps (`trainer.ts`): every parameter with its two Adam
 * moments, StyleGAN's EMA weights and w̄, the dataset uploaded as one float32 tensor, each
 * in-memory snapshot (a copy of parameters and moments), and at the peak of a step the gradients
 * plus the activations that the forward pass keeps for the backward pass. Activation counts walk
 * the same layer shapes the builders use; the factors that turn them into bytes are measured
 * (tests/unit/memory.test.ts compares the estimate with tfjs's own peak byte count).
 */
import { msg, type Message } from '../../contract/messages.ts';
import { MODEL_NAMES, type BackendName, type TrainConfig } from '../../contract/config.ts';
import { dcganLayout, type ConvPlan } from '../nn/models/dcgan-layout.ts';

const FLOAT = 4;
const KIB = 1024;
const MIB = KIB * KIB;
const GIB = MIB * KIB;

/** One network: parameter count, and per sample the elements of every layer output and the largest one. */
interface NetShape {
  params: number;
  activations: number;
  widest: number;
}

const net = (params: number, layers: number[]): NetShape => ({ params, activations: layers.reduce((a, b) => a + b, 0), widest: Math.max(...layers) });

/** DCGAN (models/dcgan-layout.ts): G, and D (the autoencoders' encoder has `outputs` instead of 1). */
function dcganShapes(res: number, width: number, zDim: number, outputs = 1): { g: NetShape; d: NetShape } {
  const { deepest, up, down } = dcganLayout(res, width);
  // a 4×4 conv's weights and bias; batch norm's scale and shift
  const conv = ({ cin, cout }: ConvPlan) => 16 * cin * cout + cout;
  let gParams = zDim * 16 * deepest + 16 * deepest + 2 * deepest;
  const gLayers = [zDim, 16 * deepest];
  up.forEach((u, i) => {
    gParams += conv(u) + (u.bn ? 2 * u.cout : 0);
    gLayers.push((4 * 2 ** (i + 1)) ** 2 * u.cout);
  });
  const convs = down('d');
  const dParams = convs.reduce((sum, c) => sum + conv(c), 0) + 16 * deepest * outputs + outputs;
  const dLayers = [res * res * 3, ...convs.map((c, i) => (res / 2 ** (i + 1)) ** 2 * c.cout), outputs];
  return { g: net(gParams, gLayers), d: net(dParams, dLayers) };
}

/** StyleGAN (models/stylegan.ts, stylegan-d.ts) with the default channel cap 2·width. */
function styleganShapes(c: TrainConfig): { g: NetShape; d: NetShape } {
  const ch = (r: number) => Math.min((c.width * c.res) / r, 2 * c.width);
  const blocks: number[] = [];
  for (let r = 4; r <= c.res; r *= 2) blocks.push(r);
  let gParams = 16 * ch(4);
  const gLayers = [c.zDim];
  for (let i = 0; i < c.mappingLayers; i++) {
    gParams += (i === 0 ? c.zDim : c.wDim) * c.wDim + c.wDim;
    gLayers.push(c.wDim);
  }
  let cin = ch(4);
  for (const r of blocks) {
    const cout = ch(r);
    const convs =
      r > 4
        ? [
            [cin, cout],
            [cout, cout],
          ]
        : [[cin, cout]];
    for (const [i, o] of convs) {
      // weight, bias, style affine (weight, bias), one noise strength per layer
      gParams += 9 * i! * o! + o! + c.wDim * i! + i! + 1;
      gLayers.push(r * r * o!);
    }
    if (r > 4) gLayers.push(r * r * cin); // the upsampled input of the first conv
    gParams += cout * 3 + 3 + c.wDim * cout + cout;
    gLayers.push(2 * r * r * 3); // toRGB and the upsampled sum of the skips
    cin = cout;
  }
  let dParams = 3 * ch(c.res) + ch(c.res);
  const dLayers = [c.res * c.res * 3, c.res * c.res * ch(c.res)];
  for (const r of blocks.slice(1).reverse()) {
    dParams += 9 * ch(r) * ch(r) + ch(r) + 9 * ch(r) * ch(r / 2) + ch(r / 2) + ch(r) * ch(r / 2);
    dLayers.push(r * r * ch(r), 2 * (r / 2) ** 2 * ch(r / 2));
  }
  const c4 = ch(4);
  dParams += 9 * (c4 + 1) * c4 + c4 + 16 * c4 * c4 + c4 + c4 + 1;
  dLayers.push(16 * (c4 + 1), 16 * c4, c4, 1);
  return { g: net(gParams, gLayers), d: net(dParams, dLayers) };
}

/** Parameter counts and layer sizes of the config's two networks (G/decoder, D/encoder). */
export function networkShapes(c: TrainConfig): { g: NetShape; d: NetShape } {
  switch (c.model) {
    case 'dcgan':
      return dcganShapes(c.res, c.width, c.zDim);
    case 'stylegan':
      return styleganShapes(c);
    case 'autoencoder':
      return dcganShapes(c.res, c.width, c.zDim, c.zDim);
    case 'vae':
      return dcganShapes(c.res, c.width, c.zDim, 2 * c.zDim);
  }
}

/**
 * Bytes of device memory per element of layer output per sample, at the peak of a training step
 * (D's step sees 2·batch images; the forward keeps its intermediates for the backward, whose
 * gradients come on top) and when sampling (a forward whose intermediates live until it ends).
 * Measured with tfjs's peak byte count, see the note at the top.
 */
const TRAIN_FACTOR: Record<TrainConfig['model'], number> = { dcgan: 7.5, stylegan: 8, autoencoder: 8, vae: 7.5 };
const SAMPLE_FACTOR: Record<TrainConfig['model'], number> = { dcgan: 3.8, stylegan: 5.1, autoencoder: 3.8, vae: 3.8 };
/** Samples generated at once for SWD (metrics/tracker.ts's SWD_SAMPLES). */
const SAMPLES_AT_ONCE = 128;

export interface MemoryEstimate {
  /** Parameters of both networks. */
  params: number;
  /**
   * Bytes by what holds them. `step` is the transient peak of a training step, `sampling` that
   * of generating the SWD samples; the two never overlap, so `total` counts the larger.
   */
  bytes: { model: number; snapshots: number; dataset: number; step: number; sampling: number; total: number };
  /** The largest single tensor: the dataset, or the widest activation. */
  largest: { bytes: number; what: 'dataset' | 'activations'; label: Message };
}

export interface EstimateOptions {
  /** In-memory snapshots kept beside the run (the divergence ring and the best-by-SWD one). */
  snapshots?: number;
}

/** Peak device bytes for training `config` on `images` prepared images. */
export function estimateMemory(config: TrainConfig, images: number, opts: EstimateOptions = {}): MemoryEstimate {
  const { g, d } = networkShapes(config);
  const params = g.params + d.params;
  // StyleGAN keeps an EMA of G's weights (and a tiny w̄); both are in every snapshot.
  const extras = config.model === 'stylegan' ? g.params + config.wDim : config.model === 'autoencoder' ? 2 * config.zDim : 0;
  const kept = FLOAT * (3 * params + extras);
  const dataset = FLOAT * images * config.res * config.res * 3;
  const samples = Math.max(SAMPLES_AT_ONCE, config.gridSide * config.gridSide);
  const step = FLOAT * (TRAIN_FACTOR[config.model] * config.batch * (g.activations + 2 * d.activations) + Math.max(g.params, d.params));
  const sampling = Math.ceil(FLOAT * SAMPLE_FACTOR[config.model] * samples * g.activations);
  const snapshots = kept * (opts.snapshots ?? 0);
  const total = Math.ceil(kept + snapshots + dataset + Math.max(step, sampling));
  const widest = FLOAT * Math.max(2 * config.batch * d.widest, Math.max(config.batch, samples) * g.widest);
  const largest =
    dataset >= widest
      ? { bytes: dataset, what: 'dataset' as const, label: msg('memory.dataset', { images, res: config.res }) }
      : { bytes: widest, what: 'activations' as const, label: msg('memory.activations', { batch: config.batch }) };
  return { params, bytes: { model: kept, snapshots, dataset, step: Math.ceil(step), sampling, total }, largest };
}

/** What the running backend can hold, found by the Worker (worker/backend.ts). */
export interface DeviceLimits {
  backend: BackendName;
  /** Bytes the backend can hold in all, and why, for a person: "WASM can address 2 GiB". */
  totalBytes: number;
  total: Message;
  /** Largest single tensor (WebGPU's largest buffer, WebGL's largest texture), and why. */
  tensorBytes?: number;
  tensor?: Message;
}

/** tfjs-wasm's heap: 4 GiB of address space, of which about 2 GiB is usable in practice. */
export const WASM_USABLE_BYTES = 2 * GIB;

/** "3.1 GiB", "245 MiB", "900 KiB". */
export function formatBytes(n: number): string {
  if (n >= GIB) return `${(n / GIB).toFixed(1)} GiB`;
  if (n >= MIB) return `${Math.round(n / MIB)} MiB`;
  return `${Math.max(1, Math.round(n / KIB))} KiB`;
}

/** What to change, from the biggest share of the estimate. */
function advice(e: MemoryEstimate): Message {
  const { model, snapshots, dataset, step, sampling } = e.bytes;
  const biggest = Math.max(model + snapshots, dataset, step, sampling);
  if (biggest === step) return msg('memory.fixBatch');
  if (biggest === dataset) return msg('memory.fixImages');
  return msg('memory.fixWidth');
}

/**
 * Why `config` on `images` images cannot train on this device, in words with the numbers, or
 * undefined when it fits: e.g. "64×64 StyleGAN at batch 256 needs about 3.1 GiB; WASM can
 * address 2 GiB: lower the batch (or the resolution)".
 */
export function memoryProblem(config: TrainConfig, images: number, limits: DeviceLimits, opts: EstimateOptions = {}): Message | undefined {
  const e = estimateMemory(config, images, opts);
  const what = msg('memory.what', { res: config.res, model: MODEL_NAMES[config.model], batch: config.batch });
  if (limits.tensorBytes !== undefined && e.largest.bytes > limits.tensorBytes) {
    const fix = e.largest.what === 'dataset' ? msg('memory.fixImages') : msg('memory.fixBatchOnly');
    const limit = limits.tensor ?? msg('memory.largestTensor', { backend: limits.backend, bytes: formatBytes(limits.tensorBytes) });
    return msg('memory.tensor', { what, tensor: e.largest.label, bytes: formatBytes(e.largest.bytes), limit, fix });
  }
  if (e.bytes.total > limits.totalBytes) {
    return msg('memory.total', { what, images, bytes: formatBytes(e.bytes.total), limit: limits.total, fix: advice(e) });
  }
  return undefined;
}
