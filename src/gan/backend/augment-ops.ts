import * as tf from '@tensorflow/tfjs';

/**
 * DiffAugment's colour and cutout ops (src/gan/train/augment.ts) as one kernel each where a backend
 * has them (WebGPU: webgpu-augment-kernels.ts); augment.ts keeps its tf ops everywhere else, so
 * the CPU and WASM paths compute exactly what they did.
 *
 * - `GanvasColorJitter` (inputs x [B, H, W, C], params [B, 4]): per image b, with (α, β, γ, δ) =
 *   params[b], m_c the pixel's mean over its channels and m the image's mean,
 *     y = α·x − β·m_c − γ·m + δ·brightness,
 *   brightness (attribute) 1 forward, 0 in the gradient. As tf ops this was Fill, Reshape,
 *   BatchMatMul, Reshape, Mean, four Multiply, two Sub, Add and four uploads forward, ~15 kernels
 *   back; fused it is one dispatch (one workgroup per image: the image's sum, then the pixels) and
 *   one upload. The map x ↦ y − δ is linear with a symmetric matrix (∂y_i/∂x_j = α·[i = j]
 *   − β/C·[same pixel] − γ/N), so its gradient is the same kernel on dy without δ, and the
 *   gradient of that gradient likewise: R1 through the augmentation works.
 * - `GanvasCutout` (inputs x, boxes [B, 3]: top, left, size, integers in float32): zeroes each
 *   image's size×size square at (top, left), which may hang over an edge. As tf ops Multiply,
 *   Sub, Multiply and two uploads; fused one dispatch and one upload. Zeroing a fixed set of
 *   pixels is its own adjoint, so its gradient (and that gradient's) is the kernel on dy.
 *
 * Translation is already one kernel (tfjs's `Transform`, augment.ts).
 */
export const COLOR_JITTER = 'GanvasColorJitter';
export const CUTOUT = 'GanvasCutout';

export interface ColorJitterAttrs {
  /** 1: add δ (the forward op); 0: the linear part alone (its gradient). */
  brightness: 0 | 1;
}

const has = (name: string) => tf.getKernel(name, tf.getBackend()) !== undefined;
/** True when the running backend has the fused colour op. */
export const hasColorJitter = () => has(COLOR_JITTER);
/** True when the running backend has the fused cutout. */
export const hasCutout = () => has(CUTOUT);

/** The fused colour op; `params` rows are (α, β, γ, δ) per image, as above. */
export function colorJitter(x: tf.Tensor4D, params: tf.Tensor2D, brightness: 0 | 1 = 1): tf.Tensor4D {
  const attrs: ColorJitterAttrs = { brightness };
  return tf.engine().runKernel(COLOR_JITTER, { x, params }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** The fused cutout; `boxes` rows are (top, left, size) per image, size 0 for none. */
export function cutoutSquares(x: tf.Tensor4D, boxes: tf.Tensor2D): tf.Tensor4D {
  return tf.engine().runKernel(CUTOUT, { x, boxes }) as tf.Tensor4D;
}

let installed = false;

/**
 * Registers both ops' gradients (once per process). Only x gets one: the parameters are drawn on
 * the CPU and never trained, so tfjs never asks for theirs (it would fail loudly if it did).
 */
export function installAugmentGradients(): void {
  if (installed) return;
  installed = true;
  tf.registerGradient({
    kernelName: COLOR_JITTER,
    inputsToSave: ['params'],
    gradFunc: (dy, saved) => ({ x: () => colorJitter(dy as tf.Tensor4D, saved[0] as tf.Tensor2D, 0) }),
  });
  tf.registerGradient({
    kernelName: CUTOUT,
    inputsToSave: ['boxes'],
    gradFunc: (dy, saved) => ({ x: () => cutoutSquares(dy as tf.Tensor4D, saved[0] as tf.Tensor2D) }),
  });
}
