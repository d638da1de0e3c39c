import * as tf from '@tensorflow/tfjs';
import { COLOR_JITTER, CUTOUT, type ColorJitterAttrs } from './augment-ops.ts';
import {
  checkInternals,
  dispatch,
  f32,
  FLAT_INDEX,
  groupsFor,
  MAIN_ELEMENTWISE,
  MAIN_PER_CHANNEL,
  newOutput,
  requireFloat,
  u32,
  WORKGROUP,
  workgroupSum,
} from './webgpu-runner.ts';

/**
 * WGSL for DiffAugment's fused ops (augment-ops.ts says what each computes and replaces), recorded
 * into tfjs's command stream by webgpu-runner.ts and registered with the others by
 * webgpu-kernels.ts.
 */

/**
 * One workgroup per image: the image's sum (its mean m), then per pixel the channels' sum (C·m_c)
 * and y = α·x − (β/C)·Σ_c x − γ·m + δ·brightness. At (α, β, γ, δ) = (1, 0, 0, 0) that is x bit
 * for bit, as the tf-ops form gives for images the op skips.
 */
const COLOR_JITTER_WGSL = `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
struct U { pixels: u32, channels: u32, brightness: f32 }
@group(0) @binding(3) var<uniform> u: U;
var<workgroup> acc: array<f32, ${WORKGROUP}>;
${MAIN_PER_CHANNEL} {
  let b = wid.x;
  let n = u.pixels * u.channels;
  let base = b * n;
  var s = 0.0;
  for (var i = t; i < n; i = i + ${WORKGROUP}u) { s = s + x[base + i]; }
  acc[t] = s;
  ${workgroupSum('acc')}
  let alpha = params[4u * b];
  let beta = params[4u * b + 1u] / f32(u.channels);
  let offset = params[4u * b + 3u] * u.brightness - params[4u * b + 2u] * (acc[0] / f32(n));
  for (var p = t; p < u.pixels; p = p + ${WORKGROUP}u) {
    let o = base + p * u.channels;
    var cs = 0.0;
    for (var c = 0u; c < u.channels; c = c + 1u) { cs = cs + x[o + c]; }
    for (var c = 0u; c < u.channels; c = c + 1u) { y[o + c] = alpha * x[o + c] - beta * cs + offset; }
  }
}`;

/** y = 0 inside image b's square [top, top + size) × [left, left + size), x elsewhere. */
const CUTOUT_WGSL = `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> boxes: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
struct U { n: u32, channels: u32, width: u32, height: u32 }
@group(0) @binding(3) var<uniform> u: U;
${MAIN_ELEMENTWISE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  let pixel = i / u.channels;
  let col = i32(pixel % u.width);
  let row = i32((pixel / u.width) % u.height);
  let b = pixel / (u.width * u.height);
  let top = i32(boxes[3u * b]);
  let left = i32(boxes[3u * b + 1u]);
  let size = i32(boxes[3u * b + 2u]);
  let inside = row >= top && row < top + size && col >= left && col < left + size;
  y[i] = select(x[i], 0.0, inside);
}`;

/** [B, H, W, C] images with a [B, k] table beside them, or a loud error naming the kernel. */
function imagesAndTable(name: string, x: tf.TensorInfo, table: tf.TensorInfo, k: number): [number, number, number, number] {
  requireFloat(name, x, table);
  const [batch, h, w, c] = x.shape;
  if (x.shape.length !== 4 || table.shape.length !== 2 || table.shape[0] !== batch || table.shape[1] !== k)
    throw new Error(`${name}: images [B, H, W, C] and a [B, ${k}] table (got [${x.shape.join(', ')}] and [${table.shape.join(', ')}])`);
  return [batch!, h!, w!, c!];
}

const colorJitterKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const be = checkInternals(backend);
  const { x, params } = inputs as Record<'x' | 'params', tf.TensorInfo>;
  const [batch, h, w, c] = imagesAndTable(COLOR_JITTER, x, params, 4);
  const y = newOutput(be, x.shape);
  const { brightness } = attrs as unknown as ColorJitterAttrs;
  if (batch * h * w * c > 0) dispatch(be, COLOR_JITTER, COLOR_JITTER_WGSL, [x, params, y], [u32(h * w), u32(c), f32(brightness)], [batch, 1]);
  return y;
};

const cutoutKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const be = checkInternals(backend);
  const { x, boxes } = inputs as Record<'x' | 'boxes', tf.TensorInfo>;
  const [batch, h, w, c] = imagesAndTable(CUTOUT, x, boxes, 3);
  const n = batch * h * w * c;
  const y = newOutput(be, x.shape);
  if (n > 0) dispatch(be, CUTOUT, CUTOUT_WGSL, [x, boxes, y], [u32(n), u32(c), u32(w), u32(h)], groupsFor(n));
  return y;
};

/**
 * Known answers for webgpu-kernels.ts's start-up self-check, by hand: one pixel with channels
 * [0, 2] (m_c = m = 1) under (α, β, γ, δ) = (2, 1, 1, ½) is 2x − 1 − 1 + ½ = [−1.5, 2.5]; a 2×2
 * image of ones with the square (top 1, left −1, size 2) hanging over its left edge loses its
 * bottom-left pixel: [1, 1, 0, 1].
 */
export function augmentKnownAnswers(
  run: (name: string, inputs: tf.NamedTensorMap, attrs: object) => tf.Tensor[],
  made: tf.Tensor[],
): { outputs: tf.Tensor[]; want: number[] } {
  const pixel = tf.tensor4d([0, 2], [1, 1, 1, 2]);
  const params = tf.tensor2d([2, 1, 1, 0.5], [1, 4]);
  const ones = tf.ones([1, 2, 2, 1]);
  const box = tf.tensor2d([1, -1, 2], [1, 3]);
  made.push(pixel, params, ones, box);
  const [colored] = run(COLOR_JITTER, { x: pixel, params }, { brightness: 1 });
  const [cut] = run(CUTOUT, { x: ones, boxes: box }, {});
  return { outputs: [colored!, cut!], want: [-1.5, 2.5, 1, 1, 0, 1] };
}

/** For webgpu-kernels.ts's registry. */
export const AUGMENT_KERNELS: ReadonlyArray<{ name: string; func: tf.KernelFunc }> = [
  { name: COLOR_JITTER, func: colorJitterKernel },
  { name: CUTOUT, func: cutoutKernel },
];
