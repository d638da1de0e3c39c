import * as tf from '@tensorflow/tfjs';
import { DEMOD, DEMOD_GRAD, MODULATE, MODULATE_GRAD, STYLE_ACT, STYLE_ACT_GRAD, STYLE_ACT_NOISE, type DemodAttrs, type StyleActAttrs } from './style-ops.ts';
import { EMA_GROUP_MAX, FUSED_EMA, FUSED_EMA_GROUP } from './fused-ema.ts';
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
  type TfWebGpuBackend,
  u32,
  WORKGROUP,
  workgroupSum,
  writable,
} from './webgpu-runner.ts';

/**
 * WGSL for StyleGAN's fused ops (style-ops.ts says what each replaces), recorded into tfjs's
 * command stream by webgpu-runner.ts and registered with the others by webgpu-kernels.ts.
 * Every shader binds at most 8 storage buffers (WebGPU's default per-stage limit).
 */

/** The gradient reaching lrelu's input times the gain, read off its output y (y > 0 exactly where the input was). */
const G_OF = (j: string) => `select(dy[${j}] * u.alpha, dy[${j}], y[${j}] > 0.0) * u.gain`;

/** y = lrelu(x·d[b, c] + bias[c] (+ noise[b, p]·strength), α)·gain; p the pixel within the image. */
const styleActWgsl = (noise: boolean) => `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> d: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
${noise ? '@group(0) @binding(3) var<storage, read> noise: array<f32>;\n@group(0) @binding(4) var<storage, read> strength: array<f32>;' : ''}
@group(0) @binding(${noise ? 5 : 3}) var<storage, read_write> y: array<f32>;
struct U { n: u32, channels: u32, hw: u32, alpha: f32, gain: f32 }
@group(0) @binding(${noise ? 6 : 4}) var<uniform> u: U;
${MAIN_ELEMENTWISE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  let c = i % u.channels;
  let pixel = i / u.channels;
  let b = pixel / u.hw;
  let v = x[i] * d[b * u.channels + c]${noise ? ' + noise[pixel] * strength[0]' : ''} + bias[c];
  y[i] = select(v * u.alpha, v, v > 0.0) * u.gain;
}`;
const STYLE_ACT_WGSL = [styleActWgsl(false), styleActWgsl(true)] as const;

/**
 * One workgroup per channel c: dd[b, c] = Σ_p g·x per image, db[c] = Σ g, and (with noise)
 * noiseSums[c] = Σ g·noise, g the gradient at lrelu's input.
 */
const styleActSumsWgsl = (noise: boolean) => `
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> dd: array<f32>;
@group(0) @binding(4) var<storage, read_write> db: array<f32>;
${noise ? '@group(0) @binding(5) var<storage, read> noise: array<f32>;\n@group(0) @binding(6) var<storage, read_write> noiseSums: array<f32>;' : ''}
struct U { batch: u32, hw: u32, channels: u32, alpha: f32, gain: f32 }
@group(0) @binding(${noise ? 7 : 5}) var<uniform> u: U;
var<workgroup> acc: array<f32, ${WORKGROUP}>;
${MAIN_PER_CHANNEL} {
  let c = wid.x;
  var sumG = 0.0;
  var sumGN = 0.0;
  for (var b = 0u; b < u.batch; b = b + 1u) {
    var a = 0.0;
    for (var p = t; p < u.hw; p = p + ${WORKGROUP}u) {
      let j = (b * u.hw + p) * u.channels + c;
      let g = ${G_OF('j')};
      a = a + g * x[j];
      sumG = sumG + g;
      ${noise ? 'sumGN = sumGN + g * noise[b * u.hw + p];' : ''}
    }
    acc[t] = a;
    ${workgroupSum('acc')}
    if (t == 0u) { dd[b * u.channels + c] = acc[0]; }
    workgroupBarrier();
  }
  acc[t] = sumG;
  ${workgroupSum('acc')}
  if (t == 0u) { db[c] = acc[0]; }
  ${noise ? `workgroupBarrier();\n  acc[t] = sumGN;\n  ${workgroupSum('acc')}\n  if (t == 0u) { noiseSums[c] = acc[0]; }` : ''}
}`;
const STYLE_ACT_SUMS_WGSL = [styleActSumsWgsl(false), styleActSumsWgsl(true)] as const;

/** WGSL, for a tensor [B, H·W, C] in an element-wise pass: this thread's index i (returns past the end), its channel c and image b. */
const IMAGE_CHANNEL_INDEX = `${FLAT_INDEX}
  if (i >= u.n) { return; }
  let c = i % u.channels;
  let b = (i / u.channels) / u.hw;`;
/** dx = g·d[b, c]. */
const STYLE_ACT_DX_WGSL = `
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> d: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
struct U { n: u32, channels: u32, hw: u32, alpha: f32, gain: f32 }
@group(0) @binding(4) var<uniform> u: U;
${MAIN_ELEMENTWISE} {
  ${IMAGE_CHANNEL_INDEX}
  dx[i] = ${G_OF('i')} * d[b * u.channels + c];
}`;

/** y = x·s[b, c]·gain (the style scale and the conv weight's equalised-lr gain in one pass). */
const MODULATE_WGSL = `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> s: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
struct U { n: u32, channels: u32, hw: u32, gain: f32 }
@group(0) @binding(3) var<uniform> u: U;
${MAIN_ELEMENTWISE} {
  ${IMAGE_CHANNEL_INDEX}
  y[i] = x[i] * (s[b * u.channels + c] * u.gain);
}`;

/** ds[b, c] = gain·Σ_p dy·x, one workgroup per (b, c). */
const MODULATE_DS_WGSL = `
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> ds: array<f32>;
struct U { channels: u32, hw: u32, gain: f32 }
@group(0) @binding(3) var<uniform> u: U;
var<workgroup> acc: array<f32, ${WORKGROUP}>;
${MAIN_PER_CHANNEL} {
  let c = wid.x % u.channels;
  let b = wid.x / u.channels;
  var a = 0.0;
  for (var p = t; p < u.hw; p = p + ${WORKGROUP}u) { let j = (b * u.hw + p) * u.channels + c; a = a + dy[j] * x[j]; }
  acc[t] = a;
  ${workgroupSum('acc')}
  if (t == 0u) { ds[wid.x] = acc[0] * u.gain; }
}`;

/**
 * avg = avg·β + source·(1 − β) in place (ema.ts's two products, then the sum), for `k`
 * parameters in one dispatch (1 ≤ k ≤ 4: two storage buffers each, 8 at WebGPU's default
 * limit): the threads are laid over the parameters one after another.
 */
function emaWgsl(k: number): string {
  const ids = Array.from({ length: k }, (_, i) => i);
  return `
${ids.map((i) => `@group(0) @binding(${2 * i}) var<storage, read_write> avg${i}: array<f32>;\n@group(0) @binding(${2 * i + 1}) var<storage, read> source${i}: array<f32>;`).join('\n')}
struct U { ${ids.map((i) => `n${i}: u32, `).join('')}beta: f32, oneMinusBeta: f32 }
@group(0) @binding(${2 * k}) var<uniform> u: U;
${MAIN_ELEMENTWISE} {
  ${FLAT_INDEX}
  var j = i;
${ids.map((i) => `  if (j < u.n${i}) { avg${i}[j] = avg${i}[j] * u.beta + source${i}[j] * u.oneMinusBeta; return; }\n  j = j - u.n${i};`).join('\n')}
}`;
}
const EMA_WGSL = Array.from({ length: EMA_GROUP_MAX }, (_, i) => emaWgsl(i + 1));

/** The weight's energy Σₖ w[k, i, o]² (the same order of sums as tf.sum over axes 0 and 1). */
const ENERGY_FN = `
fn energy(ci: u32, o: u32) -> f32 {
  var e = 0.0;
  for (var k = 0u; k < u.taps; k = k + 1u) { let wv = w[(k * u.cin + ci) * u.cout + o]; e = e + wv * wv; }
  return e;
}`;

/** d[b, o] = inverseSqrt(g²·Σᵢ s[b, i]²·energy(i, o) + ε), one thread per (b, o); g the weight's gain. */
const DEMOD_WGSL = `
@group(0) @binding(0) var<storage, read> w: array<f32>;
@group(0) @binding(1) var<storage, read> s: array<f32>;
@group(0) @binding(2) var<storage, read_write> d: array<f32>;
struct U { n: u32, taps: u32, cin: u32, cout: u32, epsilon: f32, gain2: f32 }
@group(0) @binding(3) var<uniform> u: U;
${ENERGY_FN}
${MAIN_ELEMENTWISE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  let b = i / u.cout;
  let o = i % u.cout;
  var acc = 0.0;
  for (var ci = 0u; ci < u.cin; ci = ci + 1u) { let sv = s[b * u.cin + ci]; acc = acc + sv * sv * energy(ci, o); }
  d[i] = inverseSqrt(u.gain2 * acc + u.epsilon);
}`;

/**
 * ∂d[b, o]/∂s[b, i] = −g²d³·s[b, i]·energy(i, o) and ∂d[b, o]/∂w[k, i, o] = −g²d³·s[b, i]²·w[k, i, o];
 * with q = g²·dd·d³: ds[b, i] = −s[b, i]·Σₒ q[b, o]·energy(i, o) (one thread per (b, i)), and
 * dw[k, i, o] = −w[k, i, o]·Σ_b q[b, o]·s[b, i]² (one thread per weight).
 */
const demodGradWgsl = (target: 'styles' | 'weight') => `
@group(0) @binding(0) var<storage, read> dd: array<f32>;
@group(0) @binding(1) var<storage, read> d: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> s: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
struct U { n: u32, taps: u32, cin: u32, cout: u32, batch: u32, gain2: f32 }
@group(0) @binding(5) var<uniform> u: U;
${ENERGY_FN}
fn q(b: u32, o: u32) -> f32 { let dv = d[b * u.cout + o]; return u.gain2 * dd[b * u.cout + o] * dv * dv * dv; }
${MAIN_ELEMENTWISE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  var acc = 0.0;
${
  target === 'styles'
    ? `  let b = i / u.cin;
  let ci = i % u.cin;
  for (var o = 0u; o < u.cout; o = o + 1u) { acc = acc + q(b, o) * energy(ci, o); }
  out[i] = -s[i] * acc;`
    : `  let o = i % u.cout;
  let ci = (i / u.cout) % u.cin;
  for (var b = 0u; b < u.batch; b = b + 1u) { let sv = s[b * u.cin + ci]; acc = acc + q(b, o) * sv * sv; }
  out[i] = -w[i] * acc;`
}
}`;
const DEMOD_GRAD_STYLES_WGSL = demodGradWgsl('styles');
const DEMOD_GRAD_WEIGHT_WGSL = demodGradWgsl('weight');

/** [B, H·W, C] of a rank-4 x, with d [B, C] and bias [C] checked against it. */
function layerSizes(name: string, x: tf.TensorInfo, d: tf.TensorInfo): { batch: number; hw: number; channels: number; n: number } {
  if (x.shape.length !== 4) throw new Error(`${name}: x must be [B, H, W, C] (got [${x.shape.join(', ')}])`);
  const [batch, h, w, channels] = x.shape as [number, number, number, number];
  if (d.shape.length !== 2 || d.shape[0] !== batch || d.shape[1] !== channels)
    throw new Error(`${name}: d [${d.shape.join(', ')}] for x [${x.shape.join(', ')}]`);
  return { batch, hw: h * w, channels, n: batch * h * w * channels };
}

const styleActKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const be = checkInternals(backend);
  const { x, d, bias, noise, strength } = inputs as Record<'x' | 'd' | 'bias', tf.TensorInfo> & { noise?: tf.TensorInfo; strength?: tf.TensorInfo };
  const withNoise = noise !== undefined && strength !== undefined;
  const name = withNoise ? STYLE_ACT_NOISE : STYLE_ACT;
  requireFloat(name, ...(withNoise ? [x, d, bias, noise, strength] : [x, d, bias]));
  const { batch, hw, channels, n } = layerSizes(name, x, d);
  if (bias.shape.length !== 1 || bias.shape[0] !== channels) throw new Error(`${name}: bias [${bias.shape.join(', ')}] for ${channels} channels`);
  if (withNoise && tf.util.sizeFromShape(noise.shape) !== batch * hw)
    throw new Error(`${name}: noise [${noise.shape.join(', ')}] for x [${x.shape.join(', ')}]`);
  const { alpha, gain } = attrs as unknown as StyleActAttrs;
  const y = newOutput(be, x.shape);
  const tensors = withNoise ? [x, d, bias, noise, strength, y] : [x, d, bias, y];
  if (n > 0) dispatch(be, name, STYLE_ACT_WGSL[withNoise ? 1 : 0], tensors, [u32(n), u32(channels), u32(hw), f32(alpha), f32(gain)], groupsFor(n));
  return y;
};

/** Inputs dy, y, x, d[, noise]; outputs dx, dd, db[, noiseSums]. */
const styleActGradKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const be = checkInternals(backend);
  const { dy, y, x, d, noise } = inputs as Record<'dy' | 'y' | 'x' | 'd', tf.TensorInfo> & { noise?: tf.TensorInfo };
  requireFloat(STYLE_ACT_GRAD, ...(noise ? [dy, y, x, d, noise] : [dy, y, x, d]));
  const { batch, hw, channels, n } = layerSizes(STYLE_ACT_GRAD, x, d);
  const { alpha, gain } = attrs as unknown as StyleActAttrs;
  const dd = newOutput(be, [batch, channels]);
  const db = newOutput(be, [channels]);
  const noiseSums = noise ? [newOutput(be, [channels])] : [];
  const dx = newOutput(be, x.shape);
  if (n > 0) {
    const sums = noise ? [dy, y, x, dd, db, noise, noiseSums[0]!] : [dy, y, x, dd, db];
    const k = noise ? 1 : 0;
    dispatch(be, `${STYLE_ACT_GRAD}.sums`, STYLE_ACT_SUMS_WGSL[k], sums, [u32(batch), u32(hw), u32(channels), f32(alpha), f32(gain)], [channels, 1]);
    dispatch(be, `${STYLE_ACT_GRAD}.dx`, STYLE_ACT_DX_WGSL, [dy, y, d, dx], [u32(n), u32(channels), u32(hw), f32(alpha), f32(gain)], groupsFor(n));
  }
  return [dx, dd, db, ...noiseSums];
};

const modulateKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const be = checkInternals(backend);
  const { x, s } = inputs as Record<'x' | 's', tf.TensorInfo>;
  requireFloat(MODULATE, x, s);
  const { hw, channels, n } = layerSizes(MODULATE, x, s);
  const y = newOutput(be, x.shape);
  const { gain } = attrs as unknown as { gain: number };
  if (n > 0) dispatch(be, MODULATE, MODULATE_WGSL, [x, s, y], [u32(n), u32(channels), u32(hw), f32(gain)], groupsFor(n));
  return y;
};

/** Inputs dy, x, s; outputs dx = dy·s·gain (the forward kernel on dy) and ds. */
const modulateGradKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const be = checkInternals(backend);
  const { dy, x, s } = inputs as Record<'dy' | 'x' | 's', tf.TensorInfo>;
  requireFloat(MODULATE_GRAD, dy, x, s);
  const { batch, hw, channels, n } = layerSizes(MODULATE_GRAD, x, s);
  const { gain } = attrs as unknown as { gain: number };
  const dx = newOutput(be, x.shape);
  const ds = newOutput(be, s.shape);
  if (n > 0) {
    dispatch(be, `${MODULATE_GRAD}.dx`, MODULATE_WGSL, [dy, s, dx], [u32(n), u32(channels), u32(hw), f32(gain)], groupsFor(n));
    dispatch(be, `${MODULATE_GRAD}.ds`, MODULATE_DS_WGSL, [dy, x, ds], [u32(channels), u32(hw), f32(gain)], [batch * channels, 1]);
  }
  return [dx, ds];
};

/** One EMA dispatch over 1 to EMA_GROUP_MAX [avg, source] pairs; returns each avg′, in order. */
function emaDispatch(be: TfWebGpuBackend, name: string, pairs: [tf.TensorInfo, tf.TensorInfo][], beta: number): tf.TensorInfo[] {
  for (const [avg, source] of pairs) {
    requireFloat(name, avg, source);
    if (!tf.util.arraysEqual(avg.shape, source.shape)) throw new Error(`${name}: average [${avg.shape.join(', ')}] for source [${source.shape.join(', ')}]`);
  }
  const outs = pairs.map(([avg]) => writable(be, avg));
  const sizes = pairs.map(([avg]) => tf.util.sizeFromShape(avg.shape));
  const total = sizes.reduce((a, b) => a + b, 0);
  const tensors = pairs.flatMap(([, source], i) => [outs[i]!, source]);
  if (total > 0) dispatch(be, name, EMA_WGSL[pairs.length - 1]!, tensors, [...sizes.map(u32), f32(beta), f32(1 - beta)], groupsFor(total));
  return outs;
}

const betaOf = (attrs: unknown) => (attrs as { beta: number }).beta;

const emaKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { avg, source } = inputs as Record<'avg' | 'source', tf.TensorInfo>;
  return emaDispatch(checkInternals(backend), FUSED_EMA, [[avg, source]], betaOf(attrs))[0]!;
};

const emaGroupKernel: tf.KernelFunc = ({ inputs, attrs, backend }) =>
  emaDispatch(checkInternals(backend), FUSED_EMA_GROUP, emaGroupPairs(inputs as Record<string, tf.TensorInfo>), betaOf(attrs));

/** avg0/source0 … avg{k−1}/source{k−1}, 2 ≤ k ≤ 4. */
function emaGroupPairs(inputs: Record<string, tf.TensorInfo>): [tf.TensorInfo, tf.TensorInfo][] {
  const pairs: [tf.TensorInfo, tf.TensorInfo][] = [];
  for (let i = 0; inputs[`avg${i}`] && inputs[`source${i}`]; i++) pairs.push([inputs[`avg${i}`]!, inputs[`source${i}`]!]);
  if (pairs.length < 2 || pairs.length > EMA_GROUP_MAX) throw new Error(`${FUSED_EMA_GROUP}: 2 to ${EMA_GROUP_MAX} averages, got ${pairs.length}`);
  return pairs;
}

/** weight [kh, kw, in, out] as taps·in·out, with styles [B, in] checked against it. */
function demodSizes(weight: tf.TensorInfo, styles: tf.TensorInfo): { taps: number; cin: number; cout: number; batch: number } {
  if (weight.shape.length !== 4) throw new Error(`${DEMOD}: weight must be [kh, kw, in, out] (got [${weight.shape.join(', ')}])`);
  const [kh, kw, cin, cout] = weight.shape as [number, number, number, number];
  if (styles.shape.length !== 2 || styles.shape[1] !== cin) throw new Error(`${DEMOD}: styles [${styles.shape.join(', ')}] for ${cin} input channels`);
  return { taps: kh * kw, cin, cout, batch: styles.shape[0]! };
}

const demodKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const be = checkInternals(backend);
  const { weight, styles } = inputs as Record<'weight' | 'styles', tf.TensorInfo>;
  requireFloat(DEMOD, weight, styles);
  const { taps, cin, cout, batch } = demodSizes(weight, styles);
  const d = newOutput(be, [batch, cout]);
  const n = batch * cout;
  const { epsilon, gain } = attrs as unknown as DemodAttrs;
  if (n > 0) dispatch(be, DEMOD, DEMOD_WGSL, [weight, styles, d], [u32(n), u32(taps), u32(cin), u32(cout), f32(epsilon), f32(gain * gain)], groupsFor(n));
  return d;
};

/** Inputs dd, d, weight, styles; outputs dWeight, dStyles. */
const demodGradKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const be = checkInternals(backend);
  const { dd, d, weight, styles } = inputs as Record<'dd' | 'd' | 'weight' | 'styles', tf.TensorInfo>;
  requireFloat(DEMOD_GRAD, dd, d, weight, styles);
  const { taps, cin, cout, batch } = demodSizes(weight, styles);
  const dWeight = newOutput(be, weight.shape);
  const dStyles = newOutput(be, styles.shape);
  const { gain } = attrs as unknown as DemodAttrs;
  const sizes = (n: number) => [u32(n), u32(taps), u32(cin), u32(cout), u32(batch), f32(gain * gain)];
  const nw = taps * cin * cout;
  const ns = batch * cin;
  if (nw > 0) dispatch(be, `${DEMOD_GRAD}.weight`, DEMOD_GRAD_WEIGHT_WGSL, [dd, d, weight, styles, dWeight], sizes(nw), groupsFor(nw));
  if (ns > 0) dispatch(be, `${DEMOD_GRAD}.styles`, DEMOD_GRAD_STYLES_WGSL, [dd, d, weight, styles, dStyles], sizes(ns), groupsFor(ns));
  return [dWeight, dStyles];
};

/**
 * Known answers for webgpu-kernels.ts's start-up self-check, by hand: the EMA of 1 toward 3 at
 * β = ½ is 2 (and, grouped with 2 toward 4, 2 and 3); 3 modulated by style 2 with gain ½ is 3; the demodulation of weight 1 and style 2
 * is 1/√(4 + ε) = ½ (to 1e-9); the layer tail of [−1, 1] with d = 2, bias 0, no noise is
 * lrelu(±2)·√2 = [−0.4·√2, 2·√2]. `run` runs a kernel and records its outputs in `made` for disposal.
 */
export function styleKnownAnswers(
  run: (name: string, inputs: tf.NamedTensorMap, attrs: object) => tf.Tensor[],
  made: tf.Tensor[],
): { outputs: tf.Tensor[]; want: number[] } {
  const [avg, source, one, three, two, signed, zero] = [
    tf.ones([1]),
    tf.fill([1], 3),
    tf.ones([1, 1, 1, 1]),
    tf.fill([1, 1, 1, 1], 3),
    tf.fill([1, 1], 2),
    tf.tensor4d([-1, 1], [1, 2, 1, 1]),
    tf.zeros([1]),
  ];
  // The kernels update averages in place, so the group gets averages of its own.
  const [avg0, source0, avg1, source1] = [1, 3, 2, 4].map((k) => tf.fill([1], k));
  made.push(avg, source, one, three, two, signed, zero, avg0!, source0!, avg1!, source1!);
  const [ema] = run(FUSED_EMA, { avg, source }, { beta: 0.5 });
  const [grouped0, grouped1] = run(FUSED_EMA_GROUP, { avg0: avg0!, source0: source0!, avg1: avg1!, source1: source1! }, { beta: 0.5 });
  const [modulated] = run(MODULATE, { x: three, s: two }, { gain: 0.5 });
  const [d] = run(DEMOD, { weight: one, styles: two }, { epsilon: 1e-8, gain: 1 });
  const [tail] = run(STYLE_ACT, { x: signed, d: two, bias: zero }, { alpha: 0.2, gain: Math.SQRT2 });
  return { outputs: [ema!, grouped0!, grouped1!, modulated!, d!, tail!], want: [2, 2, 3, 3, 0.5, -0.4 * Math.SQRT2, 2 * Math.SQRT2] };
}

/** For webgpu-kernels.ts's registry. */
export const STYLE_KERNELS: ReadonlyArray<{ name: string; func: tf.KernelFunc }> = [
  { name: STYLE_ACT, func: styleActKernel },
  { name: STYLE_ACT_NOISE, func: styleActKernel },
  { name: STYLE_ACT_GRAD, func: styleActGradKernel },
  { name: DEMOD, func: demodKernel },
  { name: DEMOD_GRAD, func: demodGradKernel },
  { name: MODULATE, func: modulateKernel },
  { name: MODULATE_GRAD, func: modulateGradKernel },
  { name: FUSED_EMA, func: emaKernel },
  { name: FUSED_EMA_GROUP, func: emaGroupKernel },
];
