import * as tf from '@tensorflow/tfjs';
import { FIR_FILTER, type FirFilterAttrs } from './fir-filter.ts';
import { checkInternals, dispatch, f32, FLAT_INDEX, groupsFor, MAIN_ELEMENTWISE, newOutput, requireFloat, u32 } from './webgpu-runner.ts';

/**
 * WGSL for StyleGAN's FIR filter pass (fir-filter.ts says what it computes), recorded into tfjs's
 * command stream by webgpu-runner.ts and registered with the others by webgpu-kernels.ts.
 *
 * One thread per output value reads its 4×4 window: for each column d of the window the column's
 * taps-weighted sum over the rows a, then the taps-weighted sum of those, the order of fir.ts's
 * depthwise pair (rows first), so the two agree to float32 rounding.
 */
const FIR_FILTER_WGSL = `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
struct U { n: u32, channels: u32, wOut: u32, hOut: u32, wIn: u32, hIn: u32, pad: i32, t0: f32, t1: f32, t2: f32, t3: f32 }
@group(0) @binding(2) var<uniform> u: U;
${MAIN_ELEMENTWISE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  let c = i % u.channels;
  let pixel = i / u.channels;
  let col = i32(pixel % u.wOut);
  let row = i32((pixel / u.wOut) % u.hOut);
  let b = pixel / (u.wOut * u.hOut);
  let taps = array<f32, 4>(u.t0, u.t1, u.t2, u.t3);
  var acc = 0.0;
  for (var d = 0; d < 4; d = d + 1) {
    let sc = col + d - u.pad;
    if (sc < 0 || sc >= i32(u.wIn)) { continue; }
    var column = 0.0;
    for (var a = 0; a < 4; a = a + 1) {
      let sr = row + a - u.pad;
      if (sr < 0 || sr >= i32(u.hIn)) { continue; }
      column = column + taps[a] * x[((b * u.hIn + u32(sr)) * u.wIn + u32(sc)) * u.channels + c];
    }
    acc = acc + taps[d] * column;
  }
  y[i] = acc;
}`;

const firFilterKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const be = checkInternals(backend);
  const { x } = inputs as Record<'x', tf.TensorInfo>;
  const { pad, taps } = attrs as unknown as FirFilterAttrs;
  requireFloat(FIR_FILTER, x);
  if (x.shape.length !== 4 || taps.length !== 4 || !(pad >= 0 && pad <= 3))
    throw new Error(`${FIR_FILTER}: images [B, H, W, C], four taps and padding 0…3 (got [${x.shape.join(', ')}], ${taps.length} taps, padding ${pad})`);
  const [batch, h, w, c] = x.shape as [number, number, number, number];
  const [hOut, wOut] = [h + 2 * pad - 3, w + 2 * pad - 3];
  const y = newOutput(be, [batch, hOut, wOut, c]);
  const n = batch * hOut * wOut * c;
  const uniforms = [u32(n), u32(c), u32(wOut), u32(hOut), u32(w), u32(h), { type: 'int32' as const, data: [pad] }, ...taps.map(f32)];
  if (n > 0) dispatch(be, FIR_FILTER, FIR_FILTER_WGSL, [x, y], uniforms, groupsFor(n));
  return y;
};

/**
 * Known answer for webgpu-kernels.ts's start-up self-check, by hand: a single 1 padded by 3 with
 * taps t = [1, 2, 3, 4] is the filter itself, flipped both ways: out[i, j] = t[3 − i]·t[3 − j].
 */
export function firKnownAnswers(
  run: (name: string, inputs: tf.NamedTensorMap, attrs: object) => tf.Tensor[],
  made: tf.Tensor[],
): { outputs: tf.Tensor[]; want: number[] } {
  const one = tf.ones([1, 1, 1, 1]);
  made.push(one);
  const [filtered] = run(FIR_FILTER, { x: one }, { pad: 3, taps: [1, 2, 3, 4] });
  const reversed = [4, 3, 2, 1];
  return { outputs: [filtered!], want: reversed.flatMap((a) => reversed.map((b) => a * b)) };
}

/** For webgpu-kernels.ts's registry. */
export const FIR_KERNELS: ReadonlyArray<{ name: string; func: tf.KernelFunc }> = [{ name: FIR_FILTER, func: firFilterKernel }];
