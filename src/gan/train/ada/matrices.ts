/**
 * Small homogeneous matrices for the ADA pipeline (ada-pipeline.ts), in float64 (JS numbers), row-major:
 * 3×3 for 2-D geometry (x = column, y = row, as PyTorch's affine_grid), 4×4 for colour
 * (r, g, b, 1). These run on the CPU, a handful per image, so plain arrays are cheaper than
 * tensors and keep every value exact where it can be (90° rotations and flips are built from
 * 0 and ±1, not from cos(π/2) ≈ 6e-17).
 *
 * The constructors follow the ones of NVlabs's training/augment.py (translate2d, scale2d,
 * rotate2d, translate3d, scale3d, rotate3d about a unit axis), so the pipeline reads in the same
 * terms as the reference.
 */

/**
 * A 3×3 (length 9) or 4×4 (length 16) row-major matrix. Plain arrays: V8 builds and reads small
 * ones several times faster than typed arrays (Float64Array.of is slow), and a batch needs ~400.
 */
export type Mat = number[];

export function identity(n: 3 | 4): Mat {
  const m = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

/** a · b for square matrices of the same size. */
export function mul(a: Mat, b: Mat): Mat {
  const n = a.length === 9 ? 3 : 4;
  const out = new Array<number>(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k]! * b[k * n + j]!;
      out[i * n + j] = s;
    }
  }
  return out;
}

export function isIdentity(m: Mat): boolean {
  const n = m.length === 9 ? 3 : 4;
  for (let i = 0; i < m.length; i++) if (m[i] !== (i % (n + 1) === 0 ? 1 : 0)) return false;
  return true;
}

export function translate2d(tx: number, ty: number): Mat {
  return [1, 0, tx, 0, 1, ty, 0, 0, 1];
}

export function scale2d(sx: number, sy: number): Mat {
  return [sx, 0, 0, 0, sy, 0, 0, 0, 1];
}

/** Rotation by theta (radians) in (x right, y down) coordinates: [[cos, −sin], [sin, cos]]. */
export function rotate2d(theta: number): Mat {
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  return [c, -s, 0, s, c, 0, 0, 0, 1];
}

/** rotate2d(π/2 · quarter) with exact entries (quarter ∈ {0, 1, 2, 3}). */
export function rotate2dQuarter(quarter: number): Mat {
  const cos = [1, 0, -1, 0][quarter]!;
  const sin = [0, 1, 0, -1][quarter]!;
  return [cos, -sin, 0, sin, cos, 0, 0, 0, 1];
}

export function translate3d(tx: number, ty: number, tz: number): Mat {
  return [1, 0, 0, tx, 0, 1, 0, ty, 0, 0, 1, tz, 0, 0, 0, 1];
}

export function scale3d(sx: number, sy: number, sz: number): Mat {
  return [sx, 0, 0, 0, 0, sy, 0, 0, 0, 0, sz, 0, 0, 0, 0, 1];
}

/** The luma axis of ADA's colour transforms: (1, 1, 1) / √3 (grey in [-1, 1] is the origin). */
export const LUMA_AXIS: readonly [number, number, number] = [1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3)];

/** Rotation by theta about the unit axis v (Rodrigues), as a 4×4 colour matrix. */
export function rotate3d(v: readonly [number, number, number], theta: number): Mat {
  const [x, y, z] = v;
  const s = Math.sin(theta);
  const c = Math.cos(theta);
  const cc = 1 - c;
  // prettier-ignore
  return [
    x * x * cc + c,     x * y * cc - z * s, x * z * cc + y * s, 0,
    y * x * cc + z * s, y * y * cc + c,     y * z * cc - x * s, 0,
    z * x * cc - y * s, z * y * cc + x * s, z * z * cc + c,     0,
    0,                  0,                  0,                  1,
  ];
}

/** I − 2·v·vᵀ on the colour part: the Householder reflection through the plane ⟂ v (luma flip). */
export function reflect3d(v: readonly [number, number, number]): Mat {
  const m = identity(4);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) m[i * 4 + j]! -= 2 * v[i]! * v[j]!;
  return m;
}

/** v·vᵀ + (I − v·vᵀ)·s: scales the colour's component ⟂ v by s (saturation), keeps the one along v. */
export function scaleAround3d(v: readonly [number, number, number], s: number): Mat {
  const m = identity(4);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const vv = v[i]! * v[j]!;
      m[i * 4 + j] = vv + ((i === j ? 1 : 0) - vv) * s;
    }
  }
  return m;
}
