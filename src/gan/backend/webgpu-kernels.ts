import * as tf from '@tensorflow/tfjs';
import { installWebGpuAddN } from './webgpu-addn.ts';
import { FUSED_ADAM, FUSED_ADAM_PAIR, type AdamAttrs } from './fused-adam.ts';
import { BN_BACKWARD, BN_FORWARD, type BnAttrs } from './batch-norm.ts';
import { installLeakyReluGradient, LEAKY_RELU_GRAD } from './leaky-relu-grad.ts';
import { installSharedSaves, uninstallSharedSaves } from './shared-saves.ts';
import { GAN_LOSS, GAN_LOSS_GRAD, type GanLossAttrs } from './gan-loss.ts';
import { installTanhGradient, TANH_GRAD } from './tanh-grad.ts';
import { BIAS_LEAKY_RELU, COLUMN_SUM, installBiasLeakyReluGradient, type BiasLeakyReluAttrs } from './bias-leaky-relu.ts';
import { installStyleGradients } from './style-ops.ts';
import { STYLE_KERNELS, styleKnownAnswers } from './webgpu-style-kernels.ts';
import { installAugmentGradients } from './augment-ops.ts';
import { AUGMENT_KERNELS, augmentKnownAnswers } from './webgpu-augment-kernels.ts';
import { FIR_KERNELS, firKnownAnswers } from './webgpu-fir-kernel.ts';
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
 * Fused training kernels for tfjs-backend-webgpu, in WGSL (recorded by webgpu-runner.ts):
 *
 * - `GanvasAdam`: one dispatch per parameter (was ~12), reading g and updating p, m, v in place;
 *   `GanvasAdamPair`: two parameters in one dispatch.
 * - `GanvasBatchNormForward`: per-channel μ and σ⁻¹ (one workgroup per channel, two-pass as
 *   tf.moments), then y = (x − μ)·σ⁻¹·γ + β: two dispatches.
 * - `GanvasBatchNormBackward`: per-channel Σdy and Σdy·x̂ (these are dβ and dγ), then dx: two
 *   dispatches, no constants built on the CPU.
 * - `GanvasLeakyReluGrad`: dx = x > 0 ? dy : α·dy in one dispatch (was three; leaky-relu-grad.ts).
 * - `GanvasBiasLeakyRelu`: y = leakyRelu(x·scale + b·biasScale, α)·gain in one dispatch (was two,
 *   up to five with StyleGAN's constants; bias-leaky-relu.ts); `GanvasColumnSum` its bias's gradient.
 * - `GanvasTanhGrad`: dx = dy·(1 − y²) in one dispatch (was four with a Cast; tanh-grad.ts).
 * - `GanvasGanLoss`: the logistic GAN loss, mean σ of each part and Σ sign of the reals in one
 *   workgroup (was 13 kernels in a D step); `GanvasGanLossGrad` its gradient (was 10; gan-loss.ts).
 * - StyleGAN's synthesis-layer tail and demodulation coefficients (style-ops.ts,
 *   webgpu-style-kernels.ts).
 * - DiffAugment's colour and cutout (augment-ops.ts, webgpu-augment-kernels.ts).
 *
 * Numbers are checked against the tf-ops paths on the CPU backend in
 * tests/unit/webgpu-kernels.test.ts (on Dawn with SwiftShader where the `webgpu` package is
 * installed) and the op-level formulas in tests/unit/fused-ops.test.ts.
 */
const BACKEND = 'webgpu';

/**
 * Adam for `k` parameters in one dispatch (k = 1 or 2: p, m, v and g each, so two fill WebGPU's
 * default 8 storage buffers). The threads are laid over the parameters one after another; each
 * element's update is the same arithmetic as Adam.apply's unfused path.
 */
function adamWgsl(k: number): string {
  const ids = Array.from({ length: k }, (_, i) => i);
  const binding = (i: number, slot: number, name: string, access: string) =>
    `@group(0) @binding(${4 * i + slot}) var<storage, ${access}> ${name}${i}: array<f32>;`;
  const step = (i: number) => `
  if (j < u.n${i}) {
    let gi = g${i}[j];
    let mi = m${i}[j] * u.beta1 + gi * u.oneMinusBeta1;
    let vi = v${i}[j] * u.beta2 + (gi * gi) * u.oneMinusBeta2;
    m${i}[j] = mi;
    v${i}[j] = vi;
    p${i}[j] = p${i}[j] - (mi * u.lrOverC1) / (sqrt(vi / u.c2) + u.epsilon);
    return;
  }
  j = j - u.n${i};`;
  return `
${ids.map((i) => [binding(i, 0, 'p', 'read_write'), binding(i, 1, 'm', 'read_write'), binding(i, 2, 'v', 'read_write'), binding(i, 3, 'g', 'read')].join('\n')).join('\n')}
struct U { ${ids.map((i) => `n${i}: u32, `).join('')}beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, lrOverC1: f32, c2: f32, epsilon: f32 }
@group(0) @binding(${4 * k}) var<uniform> u: U;
${MAIN_ELEMENTWISE} {
  ${FLAT_INDEX}
  var j = i;${ids.map(step).join('')}
}`;
}
const ADAM_WGSL = [adamWgsl(1), adamWgsl(2)];

/** WGSL, one workgroup per channel of x viewed as [rows, channels]: its channel c and Σ_r x[r, c] in acc[0]. */
const CHANNEL_SUM = `let c = wid.x;
  var s = 0.0;
  for (var r = t; r < u.rows; r = r + ${WORKGROUP}u) { s = s + x[r * u.channels + c]; }
  acc[t] = s;
  ${workgroupSum('acc')}`;

/** stats = [μ; σ⁻¹] per channel of x viewed as [rows, channels]; one workgroup per channel. */
const BN_STATS_WGSL = `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> stats: array<f32>;
struct U { rows: u32, channels: u32, epsilon: f32 }
@group(0) @binding(2) var<uniform> u: U;
var<workgroup> acc: array<f32, ${WORKGROUP}>;
${MAIN_PER_CHANNEL} {
  ${CHANNEL_SUM}
  let mu = acc[0] / f32(u.rows);
  workgroupBarrier();
  var q = 0.0;
  for (var r = t; r < u.rows; r = r + ${WORKGROUP}u) { let d = x[r * u.channels + c] - mu; q = q + d * d; }
  acc[t] = q;
  ${workgroupSum('acc')}
  if (t == 0u) {
    stats[c] = mu;
    stats[u.channels + c] = 1.0 / sqrt(acc[0] / f32(u.rows) + u.epsilon);
  }
}`;

/**
 * y = x̂·γ + β, then leaky ReLU with slope u.alpha when `act` (a BN layer followed by G's
 * activation: one pass instead of two).
 */
const bnNormaliseWgsl = (act: boolean) => `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> stats: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
struct U { n: u32, channels: u32, alpha: f32 }
@group(0) @binding(5) var<uniform> u: U;
${MAIN_ELEMENTWISE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  let c = i % u.channels;
  let v = (x[i] - stats[c]) * stats[u.channels + c] * gamma[c] + beta[c];
  y[i] = ${act ? 'select(v * u.alpha, v, v > 0.0)' : 'v'};
}`;
const BN_NORMALISE_WGSL = bnNormaliseWgsl(false);
const BN_NORMALISE_ACT_WGSL = bnNormaliseWgsl(true);

/**
 * The gradient reaching the batch norm's output: dy itself, or, behind the activation, dy through
 * leaky ReLU's mask read off the activated output y (y > 0 exactly where its input was, α ≥ 0).
 */
const bnDy = (act: boolean, j: string) => (act ? `select(dy[${j}] * u.alpha, dy[${j}], y[${j}] > 0.0)` : `dy[${j}]`);
/** The activated output's binding after `before` tensors, and the uniforms' binding after it. */
const bnActBinding = (act: boolean, before: number) =>
  act
    ? `@group(0) @binding(${before}) var<storage, read> y: array<f32>;\n@group(0) @binding(${before + 1}) var<uniform> u: U;`
    : `@group(0) @binding(${before}) var<uniform> u: U;`;

/** dγ = Σ dy·x̂ and dβ = Σ dy per channel; one workgroup per channel. */
const bnGradSumsWgsl = (act: boolean) => `
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> dGamma: array<f32>;
@group(0) @binding(4) var<storage, read_write> dBeta: array<f32>;
struct U { rows: u32, channels: u32, alpha: f32 }
${bnActBinding(act, 5)}
var<workgroup> sumDy: array<f32, ${WORKGROUP}>;
var<workgroup> sumDyXHat: array<f32, ${WORKGROUP}>;
${MAIN_PER_CHANNEL} {
  let c = wid.x;
  let mu = stats[c];
  let invStd = stats[u.channels + c];
  var a = 0.0;
  var b = 0.0;
  for (var r = t; r < u.rows; r = r + ${WORKGROUP}u) {
    let j = r * u.channels + c;
    let g = ${bnDy(act, 'j')};
    a = a + g;
    b = b + g * ((x[j] - mu) * invStd);
  }
  sumDy[t] = a;
  sumDyXHat[t] = b;
  ${workgroupSum('sumDy', 'sumDyXHat')}
  if (t == 0u) {
    dBeta[c] = sumDy[0];
    dGamma[c] = sumDyXHat[0];
  }
}`;

const bnDxWgsl = (act: boolean) => `
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> dGamma: array<f32>;
@group(0) @binding(5) var<storage, read> dBeta: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
struct U { n: u32, channels: u32, rows: f32, alpha: f32 }
${bnActBinding(act, 7)}
${MAIN_ELEMENTWISE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  let c = i % u.channels;
  let invStd = stats[u.channels + c];
  let xHat = (x[i] - stats[c]) * invStd;
  dx[i] = (${bnDy(act, 'i')} - dBeta[c] / u.rows - xHat * (dGamma[c] / u.rows)) * (gamma[c] * invStd);
}`;
const BN_GRAD_SUMS_WGSL = [bnGradSumsWgsl(false), bnGradSumsWgsl(true)] as const;
const BN_DX_WGSL = [bnDxWgsl(false), bnDxWgsl(true)] as const;

const LEAKY_RELU_GRAD_WGSL = `
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
struct U { n: u32, alpha: f32, gain: f32 }
@group(0) @binding(3) var<uniform> u: U;
${MAIN_ELEMENTWISE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  dx[i] = select(dy[i] * u.alpha, dy[i], x[i] > 0.0) * u.gain;
}`;

/** tfjs-backend-webgpu's own softplus and sigmoid (unary_op_util.js), so values match its kernels. */
const SOFTPLUS_SIGMOID_WGSL = `
fn softplus(a: f32) -> f32 {
  let threshold = log(1.1920928955078125e-7) + 2.0;
  if (a > -threshold) { return a; }
  if (a < threshold) { return exp(a); }
  return log(exp(a) + 1.0);
}
fn sigmoid(a: f32) -> f32 { return 1.0 / (1.0 + exp(-1.0 * a)); }`;

/** One workgroup: Σ softplus(∓l) and Σ σ(l) over each part, Σ sign(l) over the ones; then the means. */
const GAN_LOSS_WGSL = `
@group(0) @binding(0) var<storage, read> l: array<f32>;
@group(0) @binding(1) var<storage, read_write> loss: array<f32>;
@group(0) @binding(2) var<storage, read_write> meanOnes: array<f32>;
@group(0) @binding(3) var<storage, read_write> meanZeros: array<f32>;
@group(0) @binding(4) var<storage, read_write> signOnes: array<f32>;
struct U { n: u32, ones: u32 }
@group(0) @binding(5) var<uniform> u: U;
var<workgroup> spOnes: array<f32, ${WORKGROUP}>;
var<workgroup> spZeros: array<f32, ${WORKGROUP}>;
var<workgroup> sgOnes: array<f32, ${WORKGROUP}>;
var<workgroup> sgZeros: array<f32, ${WORKGROUP}>;
var<workgroup> sign1: array<f32, ${WORKGROUP}>;
${SOFTPLUS_SIGMOID_WGSL}
@compute @workgroup_size(${WORKGROUP}) fn main(@builtin(local_invocation_index) t: u32) {
  var a = vec4<f32>(0.0);
  var s = 0.0;
  for (var i = t; i < u.n; i = i + ${WORKGROUP}u) {
    let x = l[i];
    if (i < u.ones) {
      a.x = a.x + softplus(-x);
      a.z = a.z + sigmoid(x);
      s = s + sign(x);
    } else {
      a.y = a.y + softplus(x);
      a.w = a.w + sigmoid(x);
    }
  }
  spOnes[t] = a.x; spZeros[t] = a.y; sgOnes[t] = a.z; sgZeros[t] = a.w; sign1[t] = s;
  ${workgroupSum('spOnes', 'spZeros', 'sgOnes', 'sgZeros', 'sign1')}
  if (t == 0u) {
    let n1 = f32(u.ones);
    let n0 = f32(u.n - u.ones);
    let m1 = select(0.0, spOnes[0] / n1, u.ones > 0u);
    let m0 = select(0.0, spZeros[0] / n0, u.n > u.ones);
    loss[0] = m1 + m0;
    meanOnes[0] = select(0.0, sgOnes[0] / n1, u.ones > 0u);
    meanZeros[0] = select(0.0, sgZeros[0] / n0, u.n > u.ones);
    signOnes[0] = sign1[0];
  }
}`;

const GAN_LOSS_GRAD_WGSL = `
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> l: array<f32>;
@group(0) @binding(2) var<storage, read_write> dl: array<f32>;
struct U { n: u32, ones: u32 }
@group(0) @binding(3) var<uniform> u: U;
${SOFTPLUS_SIGMOID_WGSL}
${MAIN_ELEMENTWISE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  if (i < u.ones) {
    dl[i] = -((dy[0] / f32(u.ones)) * sigmoid(-l[i]));
  } else {
    dl[i] = (dy[0] / f32(u.n - u.ones)) * sigmoid(l[i]);
  }
}`;

const BIAS_LEAKY_RELU_WGSL = `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
struct U { n: u32, channels: u32, alpha: f32, gain: f32, scale: f32, biasScale: f32 }
@group(0) @binding(3) var<uniform> u: U;
${MAIN_ELEMENTWISE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  let v = x[i] * u.scale + b[i % u.channels] * u.biasScale;
  y[i] = select(v * u.alpha, v, v > 0.0) * u.gain;
}`;

/** out[c] = factor·Σ_r x[r, c] over x viewed as [rows, channels]; one workgroup per channel. */
const COLUMN_SUM_WGSL = `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
struct U { rows: u32, channels: u32, factor: f32 }
@group(0) @binding(2) var<uniform> u: U;
var<workgroup> acc: array<f32, ${WORKGROUP}>;
${MAIN_PER_CHANNEL} {
  ${CHANNEL_SUM}
  if (t == 0u) { out[c] = acc[0] * u.factor; }
}`;

const TANH_GRAD_WGSL = `
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
struct U { n: u32 }
@group(0) @binding(3) var<uniform> u: U;
${MAIN_ELEMENTWISE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  let yi = y[i];
  dx[i] = (1.0 - yi * yi) * dy[i];
}`;

/** One Adam dispatch over 1 or 2 parameters ([p, m, v, g] each); returns [p′, m′, v′] of each, in order. */
function adamDispatch(be: TfWebGpuBackend, name: string, slots: tf.TensorInfo[][], a: AdamAttrs): tf.TensorInfo[] {
  requireFloat(name, ...slots.flat());
  const sizes = slots.map(([p]) => tf.util.sizeFromShape(p!.shape));
  const outs = slots.map((slot) => slot.slice(0, 3).map((t) => writable(be, t)));
  const total = sizes.reduce((x, y) => x + y, 0);
  const uniforms = [...sizes.map(u32), f32(a.beta1), f32(1 - a.beta1), f32(a.beta2), f32(1 - a.beta2), f32(a.lrOverC1), f32(a.c2), f32(a.epsilon)];
  const tensors = outs.flatMap((o, i) => [...o, slots[i]![3]!]);
  if (total > 0) dispatch(be, name, ADAM_WGSL[slots.length - 1]!, tensors, uniforms, groupsFor(total));
  return outs.flat();
}

const adamKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { p, m, v, g } = inputs as Record<'p' | 'm' | 'v' | 'g', tf.TensorInfo>;
  return adamDispatch(checkInternals(backend), FUSED_ADAM, [[p, m, v, g]], attrs as unknown as AdamAttrs);
};

const adamPairKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { p, m, v, g, p2, m2, v2, g2 } = inputs as Record<'p' | 'm' | 'v' | 'g' | 'p2' | 'm2' | 'v2' | 'g2', tf.TensorInfo>;
  const slots = [
    [p, m, v, g],
    [p2, m2, v2, g2],
  ];
  return adamDispatch(checkInternals(backend), FUSED_ADAM_PAIR, slots, attrs as unknown as AdamAttrs);
};

/** Leaky ReLU's slope and the gain after it (StyleGAN's √2; absent: 1, tfjs's LeakyRelu and DCGAN). */
interface LeakyAttrs {
  alpha: number;
  gain?: number;
}

const channelsOf = (x: tf.TensorInfo) => x.shape[x.shape.length - 1]!;

/** BnAttrs.slope: leaky ReLU after the normalise (undefined: none). */
const slopeOf = (attrs: unknown) => (attrs as BnAttrs).slope;

const bnForwardKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const be = checkInternals(backend);
  const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;
  requireFloat(BN_FORWARD, x, gamma, beta);
  const { epsilon } = attrs as unknown as BnAttrs;
  const slope = slopeOf(attrs);
  const channels = channelsOf(x);
  const n = tf.util.sizeFromShape(x.shape);
  const stats = newOutput(be, [2, channels]);
  const y = newOutput(be, x.shape);
  dispatch(be, `${BN_FORWARD}.stats`, BN_STATS_WGSL, [x, stats], [u32(n / channels), u32(channels), f32(epsilon)], [channels, 1]);
  const code = slope === undefined ? BN_NORMALISE_WGSL : BN_NORMALISE_ACT_WGSL;
  dispatch(be, `${BN_FORWARD}.normalise`, code, [x, stats, gamma, beta, y], [u32(n), u32(channels), f32(slope ?? 0)], groupsFor(n));
  return [y, stats];
};

/** Inputs dy, x, stats, gamma and, after an activation (attribute `slope`), the activated output y. */
const bnBackwardKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const be = checkInternals(backend);
  const { dy, x, stats, gamma, y } = inputs as Record<'dy' | 'x' | 'stats' | 'gamma', tf.TensorInfo> & { y?: tf.TensorInfo };
  requireFloat(BN_BACKWARD, dy, x, stats, gamma);
  const slope = slopeOf(attrs);
  const act = slope !== undefined;
  if (act && !y) throw new Error(`${BN_BACKWARD}: a slope without the activated output y`);
  const channels = channelsOf(x);
  const n = tf.util.sizeFromShape(x.shape);
  const rows = n / channels;
  const dGamma = newOutput(be, [channels]);
  const dBeta = newOutput(be, [channels]);
  const dx = newOutput(be, x.shape);
  const after = act ? [y!] : [];
  const v = act ? 1 : 0;
  dispatch(
    be,
    `${BN_BACKWARD}.sums`,
    BN_GRAD_SUMS_WGSL[v],
    [dy, x, stats, dGamma, dBeta, ...after],
    [u32(rows), u32(channels), f32(slope ?? 0)],
    [channels, 1],
  );
  dispatch(
    be,
    `${BN_BACKWARD}.dx`,
    BN_DX_WGSL[v],
    [dy, x, stats, gamma, dGamma, dBeta, dx, ...after],
    [u32(n), u32(channels), f32(rows), f32(slope ?? 0)],
    groupsFor(n),
  );
  return [dx, dGamma, dBeta];
};

const leakyReluGradKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const be = checkInternals(backend);
  const { dy, x } = inputs as Record<'dy' | 'x', tf.TensorInfo>;
  requireFloat(LEAKY_RELU_GRAD, dy, x);
  const n = tf.util.sizeFromShape(x.shape);
  const dx = newOutput(be, x.shape);
  const { alpha, gain } = attrs as unknown as LeakyAttrs;
  if (n > 0) dispatch(be, LEAKY_RELU_GRAD, LEAKY_RELU_GRAD_WGSL, [dy, x, dx], [u32(n), f32(alpha), f32(gain ?? 1)], groupsFor(n));
  return dx;
};

const biasLeakyReluKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const be = checkInternals(backend);
  const { x, b } = inputs as Record<'x' | 'b', tf.TensorInfo>;
  requireFloat(BIAS_LEAKY_RELU, x, b);
  const channels = channelsOf(x);
  if (b.shape.length !== 1 || b.shape[0] !== channels) throw new Error(`${BIAS_LEAKY_RELU}: bias [${b.shape.join(', ')}] for ${channels} channels`);
  const n = tf.util.sizeFromShape(x.shape);
  const y = newOutput(be, x.shape);
  const { alpha, gain, scale, biasScale } = attrs as unknown as BiasLeakyReluAttrs;
  const uniforms = [u32(n), u32(channels), f32(alpha), f32(gain), f32(scale), f32(biasScale)];
  if (n > 0) dispatch(be, BIAS_LEAKY_RELU, BIAS_LEAKY_RELU_WGSL, [x, b, y], uniforms, groupsFor(n));
  return y;
};

const columnSumKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const be = checkInternals(backend);
  const { x } = inputs as Record<'x', tf.TensorInfo>;
  requireFloat(COLUMN_SUM, x);
  const channels = channelsOf(x);
  const out = newOutput(be, [channels]);
  const rows = tf.util.sizeFromShape(x.shape) / channels;
  const { factor } = attrs as unknown as { factor: number };
  if (channels > 0) dispatch(be, COLUMN_SUM, COLUMN_SUM_WGSL, [x, out], [u32(rows), u32(channels), f32(factor)], [channels, 1]);
  return out;
};

const tanhGradKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const be = checkInternals(backend);
  const { dy, y } = inputs as Record<'dy' | 'y', tf.TensorInfo>;
  requireFloat(TANH_GRAD, dy, y);
  const n = tf.util.sizeFromShape(y.shape);
  const dx = newOutput(be, y.shape);
  if (n > 0) dispatch(be, TANH_GRAD, TANH_GRAD_WGSL, [dy, y, dx], [u32(n)], groupsFor(n));
  return dx;
};

const ganLossKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const be = checkInternals(backend);
  const { logits } = inputs as Record<'logits', tf.TensorInfo>;
  requireFloat(GAN_LOSS, logits);
  const { ones } = attrs as unknown as GanLossAttrs;
  const n = tf.util.sizeFromShape(logits.shape);
  if (!(ones >= 0 && ones <= n)) throw new Error(`${GAN_LOSS}: ${ones} ones of ${n} logits`);
  const outs = [0, 1, 2, 3].map(() => newOutput(be, []));
  dispatch(be, GAN_LOSS, GAN_LOSS_WGSL, [logits, ...outs], [u32(n), u32(ones)], [1, 1]);
  return outs;
};

const ganLossGradKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const be = checkInternals(backend);
  const { dy, logits } = inputs as Record<'dy' | 'logits', tf.TensorInfo>;
  requireFloat(GAN_LOSS_GRAD, dy, logits);
  const n = tf.util.sizeFromShape(logits.shape);
  const dl = newOutput(be, logits.shape);
  if (n > 0) dispatch(be, GAN_LOSS_GRAD, GAN_LOSS_GRAD_WGSL, [dy, logits, dl], [u32(n), u32((attrs as unknown as GanLossAttrs).ones)], groupsFor(n));
  return dl;
};

const KERNELS: ReadonlyArray<{ name: string; func: tf.KernelFunc }> = [
  { name: FUSED_ADAM, func: adamKernel },
  { name: FUSED_ADAM_PAIR, func: adamPairKernel },
  { name: BN_FORWARD, func: bnForwardKernel },
  { name: BN_BACKWARD, func: bnBackwardKernel },
  { name: LEAKY_RELU_GRAD, func: leakyReluGradKernel },
  { name: BIAS_LEAKY_RELU, func: biasLeakyReluKernel },
  { name: COLUMN_SUM, func: columnSumKernel },
  { name: TANH_GRAD, func: tanhGradKernel },
  { name: GAN_LOSS, func: ganLossKernel },
  { name: GAN_LOSS_GRAD, func: ganLossGradKernel },
  ...STYLE_KERNELS,
  ...AUGMENT_KERNELS,
  ...FIR_KERNELS,
];

/**
 * Registers the fused kernels for the 'webgpu' backend (idempotent). Adam and batch norm use them
 * from then on whenever WebGPU is the running backend (fused-adam.ts, batch-norm.ts); tensors
 * saved for gradients are shared without an Identity kernel (shared-saves.ts); AddN takes any
 * number of terms (webgpu-addn.ts). Call with WebGPU running.
 */
export function registerWebGpuTrainingKernels(): void {
  installWebGpuAddN();
  installLeakyReluGradient();
  installTanhGradient();
  installBiasLeakyReluGradient();
  installStyleGradients();
  installAugmentGradients();
  installSharedSaves();
  for (const { name, func } of KERNELS) {
    if (tf.getKernel(name, BACKEND)?.kernelFunc === func) continue;
    if (tf.getKernel(name, BACKEND)) tf.unregisterKernel(name, BACKEND);
    tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: func });
  }
}

/** Takes them away again (the unfused paths come back): for the bench's before/after rows. */
export function unregisterWebGpuTrainingKernels(): void {
  uninstallSharedSaves();
  for (const { name } of KERNELS) if (tf.getKernel(name, BACKEND)) tf.unregisterKernel(name, BACKEND);
}

/**
 * Known answers from the fused kernels on the running WebGPU backend: batch norm of [1, 3] is
 * ±1/√(1 + ε), Adam's first step from p = 1 with g = 1 (lr 0.1, β1 0.5, β2 0.999) is p = 0.9
 * (and, paired with one whose g = −1, 0.9 and 1.1),
 * bias + leaky ReLU 0.2 of [−1, 1]·2 with bias 0 is [−0.4, 2], the column sums of [[1, 2], [3, 4]]
 * times ½ are [2, 3], and the GAN loss of logits [0, 0]
 * (one real, one fake) is 2·ln 2 with D(real) = ½, and StyleGAN's kernels give their known
 * answers too (webgpu-style-kernels.ts `styleKnownAnswers`), DiffAugment's likewise
 * (webgpu-augment-kernels.ts `augmentKnownAnswers`), and the FIR filter pass
 * (webgpu-fir-kernel.ts `firKnownAnswers`). A driver that compiles our WGSL but computes
 * garbage is caught here; the caller then unregisters the kernels and trains on tfjs's own.
 * Returns what went wrong, if anything.
 */
export async function webGpuKernelsSelfCheck(): Promise<string | undefined> {
  const x = tf.tensor2d([1, 3], [2, 1]);
  const gamma = tf.ones([1]);
  const beta = tf.zeros([1]);
  const [p, m, v, g] = [1, 0, 0, 1].map((k) => tf.scalar(k));
  const pair = [1, 0, 0, 1, 1, 0, 0, -1].map((k) => tf.scalar(k));
  const signed = tf.tensor2d([-1, 1], [2, 1]);
  const logits = tf.zeros([2, 1]);
  const table = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  const made: tf.Tensor[] = [x, gamma, beta, p!, m!, v!, g!, ...pair, signed, logits, table];
  const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) => {
    const out = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
    const outs = Array.isArray(out) ? out : [out];
    made.push(...outs);
    return outs;
  };
  try {
    const [y] = run(BN_FORWARD, { x, gamma, beta }, { epsilon: 1e-5 });
    const adam: AdamAttrs = { beta1: 0.5, beta2: 0.999, epsilon: 1e-8, lrOverC1: 0.1 / 0.5, c2: 1 - 0.999 };
    const [p1] = run(FUSED_ADAM, { p: p!, m: m!, v: v!, g: g! }, adam);
    const [pa, , , pb] = run(
      FUSED_ADAM_PAIR,
      { p: pair[0]!, m: pair[1]!, v: pair[2]!, g: pair[3]!, p2: pair[4]!, m2: pair[5]!, v2: pair[6]!, g2: pair[7]! },
      adam,
    );
    const [leaky] = run(BIAS_LEAKY_RELU, { x: signed, b: beta }, { alpha: 0.2, gain: 1, scale: 2, biasScale: 1 });
    const [columns] = run(COLUMN_SUM, { x: table }, { factor: 0.5 });
    const [loss, dReal] = run(GAN_LOSS, { logits }, { ones: 1 });
    const style = styleKnownAnswers(run, made);
    const aug = augmentKnownAnswers(run, made);
    const fir = firKnownAnswers(run, made);
    const outputs = [y!, p1!, pa!, pb!, leaky!, columns!, loss!, dReal!, ...style.outputs, ...aug.outputs, ...fir.outputs];
    const got = (await Promise.all(outputs.map((t) => t.data()))).flatMap((d) => Array.from(d));
    const want = [-1 / Math.sqrt(1 + 1e-5), 1 / Math.sqrt(1 + 1e-5), 0.9, 0.9, 1.1, -0.4, 2, 2, 3, 2 * Math.LN2, 0.5, ...style.want, ...aug.want, ...fir.want];
    return got.length === want.length && got.every((k, i) => Math.abs(k - want[i]!) < 1e-5)
      ? undefined
      : `fused WebGPU kernels computed ${got.join(', ')} where ${want.join(', ')} was expected`; // english-ok: for the developer console
  } catch (e) {
    return `fused WebGPU kernels failed: ${String(e)}`; // english-ok: for the developer console
  } finally {
    tf.dispose(made);
  }
}
