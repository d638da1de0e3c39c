import * as tf from '@tensorflow/tfjs';

/**
 * StyleGAN's separable FIR filter pass (src/gan/nn/fir.ts `blur`) as one kernel where a backend
 * has it (WebGPU: webgpu-fir-kernel.ts); fir.ts keeps its two depthwise convolutions everywhere
 * else, so the CPU and WASM paths compute exactly what they did.
 *
 * `GanvasFirFilter` (input x [B, H, W, C]; attributes `pad` and `taps`, the four taps of one
 * axis): out[b, i, j, c] = Σₐ Σ_d taps[a]·taps[d]·x[b, i + a − pad, j + d − pad, c], zero outside
 * the image, shape [B, H + 2·pad − 3, W + 2·pad − 3, C]. As depthwise convolutions it was two
 * dispatches and two uploads of the taps per pass; fused, one dispatch and none (the taps ride
 * in the uniforms). Its gradient is fir.ts's business (the same filter with padding 3 − pad).
 */
export const FIR_FILTER = 'GanvasFirFilter';

export interface FirFilterAttrs {
  pad: number;
  /** One axis's four taps (the 2-D filter is their outer product), any gain already in them. */
  taps: number[];
}

/** True when the running backend has the fused filter pass. */
export const hasFirFilter = () => tf.getKernel(FIR_FILTER, tf.getBackend()) !== undefined;

/** The fused filter pass; the caller checks `hasFirFilter()` and the padding. */
export function firFilter(x: tf.Tensor4D, pad: number, taps: readonly number[]): tf.Tensor4D {
  const attrs: FirFilterAttrs = { pad, taps: [...taps] };
  return tf.engine().runKernel(FIR_FILTER, { x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
