/**
 * Laplacian pyramids of RGB images (Burt & Adelson 1983), the first stage of the sliced
 * Wasserstein distance in ProGAN (Karras et al. 2018). Each band holds the detail present at one
 * scale and absent from the next coarser one, so a descriptor taken from a band compares texture
 * at that scale without being dominated by the coarser content.
 *
 * Images are NHWC float32 with 3 channels, as in `PreparedSet`. Plain typed arrays, no tfjs:
 * at the sizes this runs on (hundreds of images of 16–64 px) the work is a few million
 * multiply-adds, far below what a backend round trip would cost.
 */

/** The 5-tap binomial [1 4 6 4 1]/16: the classic Gaussian approximation of the pyramid. */
const TAPS = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16] as const;

/**
 * Mirror an index into [0, n) without repeating the edge sample (… c b | a b c …), the border
 * rule of scipy's `mode='mirror'`, which the reference implementation used. Offsets are at most
 * 2 here and n is at least 4, so one reflection is enough.
 */
function mirror(i: number, n: number): number {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

/**
 * Blur with the binomial kernel and keep every second row and column: res → res/2.
 * Separable: a horizontal pass evaluated only at even columns, then a vertical pass at even rows.
 */
export function pyrDown(src: Float32Array, res: number, dst: Float32Array, tmp: Float32Array): void {
  const half = res >> 1;
  for (let y = 0; y < res; y++) {
    for (let x = 0; x < half; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let t = 0; t < 5; t++) s += TAPS[t] * src[(y * res + mirror(2 * x + t - 2, res)) * 3 + c];
        tmp[(y * half + x) * 3 + c] = s;
      }
    }
  }
  for (let y = 0; y < half; y++) {
    for (let x = 0; x < half; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let t = 0; t < 5; t++) s += TAPS[t] * tmp[(mirror(2 * y + t - 2, res) * half + x) * 3 + c];
        dst[(y * half + x) * 3 + c] = s;
      }
    }
  }
}

/**
 * Upsample half → 2·half: insert zeros between samples, then blur with the kernel times 4
 * (times 2 per axis, to restore the energy the zeros removed). Only even positions of the
 * zero-filled signal are non-zero, so each tap either reads a coarse sample or is skipped.
 */
export function pyrUp(src: Float32Array, half: number, dst: Float32Array, tmp: Float32Array): void {
  const res = half * 2;
  for (let y = 0; y < half; y++) {
    for (let x = 0; x < res; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let t = 0; t < 5; t++) {
          const j = mirror(x + t - 2, res);
          if ((j & 1) === 0) s += 2 * TAPS[t] * src[(y * half + (j >> 1)) * 3 + c];
        }
        tmp[(y * res + x) * 3 + c] = s;
      }
    }
  }
  for (let y = 0; y < res; y++) {
    for (let x = 0; x < res; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let t = 0; t < 5; t++) {
          const j = mirror(y + t - 2, res);
          if ((j & 1) === 0) s += 2 * TAPS[t] * tmp[((j >> 1) * res + x) * 3 + c];
        }
        dst[(y * res + x) * 3 + c] = s;
      }
    }
  }
}

/** Resolutions of the pyramid's levels: res, res/2, … while ≥ minRes (at least one level). */
export function pyramidLevels(res: number, minRes: number): number[] {
  const levels = [res];
  for (let r = res; r % 2 === 0 && r / 2 >= minRes; r /= 2) levels.push(r / 2);
  return levels;
}

/**
 * Laplacian pyramid of `count` images of res×res×3 (NHWC) at the given level resolutions
 * (from `pyramidLevels`). Level i < last is G_i − up(G_{i+1}), a band of detail; the last level
 * is the low-pass G_last itself, as in ProGAN's `generate_laplacian_pyramid`. Returns one NHWC
 * buffer per level.
 */
export function laplacianPyramid(pixels: Float32Array, count: number, levels: readonly number[]): Float32Array[] {
  const res = levels[0];
  const out = levels.map((r) => new Float32Array(count * r * r * 3));
  const tmp = new Float32Array(res * res * 3);
  const upBuf = new Float32Array(res * res * 3);
  for (let n = 0; n < count; n++) {
    out[0].set(pixels.subarray(n * res * res * 3, (n + 1) * res * res * 3), n * res * res * 3);
    for (let l = 1; l < levels.length; l++) {
      const [fine, coarse] = [levels[l - 1], levels[l]];
      const g = out[l - 1].subarray(n * fine * fine * 3, (n + 1) * fine * fine * 3);
      const gNext = out[l].subarray(n * coarse * coarse * 3, (n + 1) * coarse * coarse * 3);
      pyrDown(g, fine, gNext, tmp);
      pyrUp(gNext, coarse, upBuf, tmp);
      // The finer level becomes a band only after the coarser one was taken from it.
      for (let i = 0; i < g.length; i++) g[i] -= upBuf[i];
    }
  }
  return out;
}
