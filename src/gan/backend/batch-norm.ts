import * as tf from '@tensorflow/tfjs';

/**
 * Training-mode batch normalisation (the batch's own statistics) with its gradient written out,
 * so neither `tf.moments` nor its `Mean` gradient is on the tape. tfjs's `Mean` gradient builds
 * `tf.ones(x.shape)` as a JS array and uploads it on every step for every batch norm (12% and 9%
 * of the WebGPU host profile, docs/webgpu.md); written out, the backward pass is two reductions
 * and one element-wise expression.
 *
 * Where the backend has the fused kernels (`BN_FORWARD`, `BN_BACKWARD`: WebGPU, see
 * webgpu-kernels.ts) forward is two dispatches (per-channel mean and 1/σ, then the normalise) and
 * backward two (per-channel Σdy and Σdy·x̂, then dx). Elsewhere the same formulas run as tf ops.
 *
 * With R values per channel (batch × height × width), x̂ = (x − μ)·σ⁻¹, σ⁻¹ = 1/√(var + ε):
 *   y = x̂·γ + β;  dβ = Σ dy;  dγ = Σ dy·x̂;  dx = γ·σ⁻¹·(dy − dβ/R − x̂·dγ/R)
 * (var is the biased batch variance, as tf.moments and PyTorch's training mode use).
 *
 * With a `slope`, leaky ReLU (ReLU at 0) follows, fused into the normalise pass and into both
 * backward passes on WebGPU (dy goes through the activation's mask, read off the saved activated
 * output); elsewhere it is tf.relu / tf.leakyRelu after the tf ops, as G applied it before.
 */
export const BN_FORWARD = 'GanvasBatchNormForward';
export const BN_BACKWARD = 'GanvasBatchNormBackward';

export interface BnAttrs {
  epsilon: number;
  /** Leaky ReLU's slope after the normalise (0: ReLU); absent: no activation. */
  slope?: number;
}

const hasFused = () => tf.getKernel(BN_FORWARD, tf.getBackend()) !== undefined && tf.getKernel(BN_BACKWARD, tf.getBackend()) !== undefined;

/** Axes the statistics are taken over: all but the channels (last). */
const statAxes = (x: tf.Tensor) => [...Array(x.rank - 1).keys()];

/** Forward with tf ops: y and the statistics [μ; σ⁻¹] as one [2, C] tensor. */
function forwardOps(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, statAxes(x));
    const y = tf.batchNorm(x, mean, variance, beta as tf.Tensor1D, gamma as tf.Tensor1D, epsilon);
    return [y, tf.stack([mean, tf.rsqrt(tf.add(variance, epsilon))])];
  });
}

function backwardOps(dy: tf.Tensor, x: tf.Tensor, stats: tf.Tensor, gamma: tf.Tensor): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const [mean, invStd] = tf.unstack(stats) as [tf.Tensor1D, tf.Tensor1D];
    const axes = statAxes(x);
    const rows = x.size / x.shape[x.rank - 1]!;
    const xHat = tf.mul(tf.sub(x, mean), invStd);
    const dBeta = tf.sum(dy, axes);
    const dGamma = tf.sum(tf.mul(dy, xHat), axes);
    const centred = tf.sub(tf.sub(dy, tf.div(dBeta, rows)), tf.mul(xHat, tf.div(dGamma, rows)));
    return [tf.mul(centred, tf.mul(gamma, invStd)), dGamma, dBeta];
  });
}

/** G's activation as tf ops: ReLU at slope 0 (computed as such), else leaky ReLU. */
const activation = (y: tf.Tensor, slope: number) => (slope === 0 ? tf.relu(y) : tf.leakyRelu(y, slope));

/**
 * y = BN(x)·γ + β over all axes but the last, with the custom gradient above, then leaky ReLU with
 * `slope` when one is given (≥ 0). x is NHWC or [batch, channels]; γ and β are [channels].
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number, slope?: number): tf.Tensor {
  const fused = hasFused();
  if (!fused && slope !== undefined) return activation(batchNormTraining(x, gamma, beta, epsilon), slope);
  if (slope !== undefined && !(slope >= 0)) throw new Error(`batch norm: activation slope ${slope} < 0`);
  const attrs = (slope === undefined ? { epsilon } : { epsilon, slope }) as unknown as tf.NamedAttrMap;
  const op = tf.customGrad((xx, gg, bb, save) => {
    const [y, stats] = fused
      ? (tf.engine().runKernel(BN_FORWARD, { x: xx as tf.Tensor, gamma: gg as tf.Tensor, beta: bb as tf.Tensor }, attrs) as [tf.Tensor, tf.Tensor])
      : forwardOps(xx as tf.Tensor, gg as tf.Tensor, bb as tf.Tensor, epsilon);
    (save as tf.GradSaveFunc)([xx as tf.Tensor, stats, gg as tf.Tensor, ...(slope === undefined ? [] : [y])]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sStats, sGamma, sy] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
        return fused
          ? (tf.engine().runKernel(BN_BACKWARD, { dy, x: sx, stats: sStats, gamma: sGamma, ...(sy ? { y: sy } : {}) }, attrs) as tf.Tensor[])
          : backwardOps(dy, sx, sStats, sGamma);
      },
    };
  });
  return op(x, gamma, beta);
}
