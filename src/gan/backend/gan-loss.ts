import * as tf from '@tensorflow/tfjs';

/**
 * The logistic GAN losses (losses.ts) and D's numbers for the chart and ADA, as one kernel and one
 * gradient kernel where a backend has them (`GAN_LOSS`, `GAN_LOSS_GRAD`: WebGPU, see
 * webgpu-kernels.ts). As tf ops a D step's losses, D(real), D(fake) and Σ sign(D(real)) are 13
 * kernels forward and 10 backward (Mean's gradient uploads a `tf.ones` each step), a G step's 3 and
 * 5; fused they are one dispatch each way. Elsewhere the tf ops of losses.ts run, unchanged
 * (src/gan/train/steps.ts chooses).
 *
 * The kernel's contract: input `logits` (any shape, read flat), attribute `ones`: the leading
 * entries labelled real (1), the rest fake (0). Outputs four scalars:
 *   loss = mean over ones of softplus(−l) + mean over zeros of softplus(l)   (0 for an empty part)
 *   mean σ(l) over ones, mean σ(l) over zeros, Σ sign(l) over ones.
 * `GAN_LOSS_GRAD` (inputs dy, logits; the same `ones`) is ∂loss/∂l·dy, in tfjs's order of
 * operations: −(dy/n₁)·σ(−l) for ones, (dy/n₀)·σ(l) for zeros.
 */
export const GAN_LOSS = 'GanvasGanLoss';
export const GAN_LOSS_GRAD = 'GanvasGanLossGrad';

export interface GanLossAttrs {
  ones: number;
}

/** True when the running backend has both kernels. */
export const hasFusedGanLoss = () => tf.getKernel(GAN_LOSS, tf.getBackend()) !== undefined && tf.getKernel(GAN_LOSS_GRAD, tf.getBackend()) !== undefined;

/**
 * The fused loss (a scalar with its gradient) and, with `keepStats`, the three numbers kept (the
 * caller disposes them; they are no outputs of the differentiated function, so the tape builds no
 * zero gradients for them). Without it they are freed with the op's scope.
 */
export function fusedGanLoss(logits: tf.Tensor, ones: number, keepStats: boolean): { loss: tf.Scalar; stats: tf.Scalar[] } {
  const attrs = { ones } as unknown as tf.NamedAttrMap;
  let stats: tf.Scalar[] = [];
  const op = tf.customGrad((l, save) => {
    const [loss, ...rest] = tf.engine().runKernel(GAN_LOSS, { logits: l as tf.Tensor }, attrs) as tf.Scalar[];
    if (keepStats) stats = rest.map((t) => tf.keep(t));
    (save as tf.GradSaveFunc)([l as tf.Tensor]);
    return {
      value: loss!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(GAN_LOSS_GRAD, { dy, logits: saved[0]! }, attrs) as tf.Tensor,
    };
  });
  return { loss: op(logits) as tf.Scalar, stats };
}
