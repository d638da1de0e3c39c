"""What D looks through in Ganvas (gan-round.ts `view`): ADA's 'bgc' pipeline at the controller's p,
then DiffAugment's switched-on ops at full strength, both drawn from the run's augmentation stream
in Ganvas's order, so a run continued here augments the very images the page would have.

- DiffAugment: src/gan/train/augment.ts (colour, translation, cutout; per image gate then value,
  always both, so p never shifts the stream).
- ADA's pipeline: src/gan/train/ada-pipeline.ts with ada/draws.ts (per transform the batch's
  values, then its gates), ada/matrices.ts (G⁻¹ and C per image, float64, identity steps skipped),
  ada/resample.ts (bicubic or bilinear taps through unbounded reflection, weights in float32) and
  ada/color.ts. Sums over taps and colour mixes run in float64 on the CPU, as Ganvas's JS path
  (its CPU and WASM backends) does, and in float32 on a GPU.
- ADA's controller: src/gan/train/ada.ts (p moves by sign(r_t − target) per real image over
  speedImages, at each report; capped at MAX_P).

Distributed: every rank draws the global batch's parameters and applies its own rows, so the
stream and the images are those of one process.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .rng import Rng

MAX_P = 0.8  # ada.ts: the highest p ADA may reach (the paper's no-leak bound)
LUMA = np.full(3, 1 / math.sqrt(3))
CUBIC_A = -0.75

# train.py's augpipe_specs['bgc'] with AugmentPipe's default ranges (ada-pipeline.ts BGC).
BGC = dict(xflip=1, rotate90=1, xint=1, xint_max=0.125, scale=1, rotate=1, aniso=1, xfrac=1, scale_std=0.2, rotate_max=1,
           aniso_std=0.2, xfrac_std=0.125, brightness=1, contrast=1, lumaflip=1, hue=1, saturation=1, brightness_std=0.2,
           contrast_std=0.5, hue_max=1, saturation_std=1, interpolation='bicubic')


def clamp_p(p: float) -> float:
    return min(MAX_P, max(0.0, p)) if math.isfinite(p) else 0.0


class AdaController:
    """ada.ts AdaController: p, moved at each report from the sign of D(real) of the reals seen since."""

    def __init__(self, target: float, speed_images: float, p: float = 0.0):
        self.target, self.speed, self.p = target, speed_images, clamp_p(p)

    def update(self, sign_sum: float, count: float, batch: int) -> float:
        if not count > 0 or not batch > 0 or not math.isfinite(sign_sum):
            return self.p
        rt = sign_sum / count
        sign = (rt > self.target) - (rt < self.target)
        self.p = clamp_p(self.p + sign * (count / batch) * batch / self.speed)
        return self.p


# --- DiffAugment -------------------------------------------------------------------------------

def max_shift(side: int) -> int:
    return math.floor(side * 0.125 + 0.5)


def cutout_size(side: int) -> int:
    return math.floor(side * 0.5 + 0.5)


def draw_diffaugment(policy: dict, p: float, rng: Rng, batch: int, side: int) -> dict:
    """augment.ts drawAugment: per image, each op's gate then its value(s); colour, translation, cutout."""
    out = {}
    if policy['color']:
        u = rng.uniforms(6 * batch).reshape(batch, 6)  # gb, b, gs, s, gc, c per image
        f32 = lambda a: a.astype(np.float32)
        out['color'] = (np.where(u[:, 0] < p, f32(u[:, 1] - 0.5), np.float32(0)),
                        np.where(u[:, 2] < p, f32(u[:, 3] * 2), np.float32(1)),
                        np.where(u[:, 4] < p, f32(u[:, 5] + 0.5), np.float32(1)))
    if policy['translation']:
        s = max_shift(side)
        u = rng.uniforms(3 * batch).reshape(batch, 3)
        on = u[:, 0] < p
        out['translation'] = tuple(np.where(on, np.floor(u[:, k] * (2 * s + 1)).astype(np.int64) - s, 0) for k in (1, 2))
    if policy['cutout']:
        s = cutout_size(side)
        centres = side + 1 - s % 2
        u = rng.uniforms(3 * batch).reshape(batch, 3)
        top, left = (np.floor(u[:, k] * centres).astype(np.int64) - s // 2 for k in (1, 2))
        out['cutout'] = (top, left, np.where(u[:, 0] < p, s, 0))
    return out


def per_image(values, like: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(np.asarray(values, np.float32), device=like.device).reshape(-1, 1, 1, 1)


def apply_diffaugment(x: torch.Tensor, draws: dict) -> torch.Tensor:
    """NCHW images through the drawn ops (augment.ts applyAugment's maths)."""
    if 'color' in draws:
        b, s, k = (v.astype(np.float64) for v in draws['color'])
        if not (np.all(b == 0) and np.all(s == 1) and np.all(k == 1)):
            # y = k·s·x − k·(s − 1)·m_c − (k − 1)·m + b (brightness, saturation, contrast collapsed).
            channel_mean = x.mean(1, keepdim=True)
            offset = per_image(b, x) - x.mean((1, 2, 3), keepdim=True) * per_image(k - 1, x)
            x = x * per_image(k * s, x) - channel_mean * per_image(k * (s - 1), x) + offset
    if 'translation' in draws:
        dy, dx = draws['translation']
        if np.any(dy) or np.any(dx):
            x = shift(x, dy, dx)
    if 'cutout' in draws:
        top, left, size = draws['cutout']
        if np.any(size):
            h, w = x.shape[2], x.shape[3]
            rows = spans(top, size, h).reshape(-1, 1, h, 1)
            cols = spans(left, size, w).reshape(-1, 1, 1, w)
            x = x * (1 - torch.from_numpy(rows * cols).to(x.device))
    return x


def shift(x: torch.Tensor, dy: np.ndarray, dx: np.ndarray) -> torch.Tensor:
    """Output (y, x) reads input (y − dy, x − dx), zero outside: one gather over each image's pixels."""
    n, c, h, w = x.shape
    ys = np.arange(h)[None, :, None] - dy[:, None, None]
    xs = np.arange(w)[None, None, :] - dx[:, None, None]
    inside = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)
    index = np.where(inside, np.clip(ys, 0, h - 1) * w + np.clip(xs, 0, w - 1), 0).reshape(n, 1, h * w)
    index = torch.from_numpy(np.broadcast_to(index, (n, c, h * w)).copy()).to(x.device)
    picked = x.reshape(n, c, h * w).gather(2, index).reshape(n, c, h, w)
    return picked * torch.from_numpy(inside.astype(np.float32)).to(x.device)[:, None]


def spans(start: np.ndarray, size: np.ndarray, n: int) -> np.ndarray:
    k = np.arange(n)[None, :]
    return ((k >= start[:, None]) & (k < (start + size)[:, None])).astype(np.float32)


# --- ADA's pipeline ----------------------------------------------------------------------------

def _gated(rng: Rng, batch: int, prob: float, identity: float, values: np.ndarray, width: int = 1) -> np.ndarray:
    gates = rng.uniforms(batch) < prob
    values = values.reshape(batch, width)
    return np.where(gates[:, None], values, identity).reshape(-1)


def draw_ada_params(o: dict, p: float, rng: Rng, batch: int, channels: int) -> dict:
    """ada/draws.ts drawParams: per enabled transform, the batch's values then its gates."""
    u = rng.uniforms
    n = rng.normals64
    out = {}
    if o['xflip'] > 0:
        out['xflip'] = _gated(rng, batch, o['xflip'] * p, 0, np.floor(u(batch) * 2))
    if o['rotate90'] > 0:
        out['rotate90'] = _gated(rng, batch, o['rotate90'] * p, 0, np.floor(u(batch) * 4))
    if o['xint'] > 0:
        out['xint'] = _gated(rng, batch, o['xint'] * p, 0, (u(2 * batch) * 2 - 1) * o['xint_max'], 2)
    if o['scale'] > 0:
        out['scale'] = _gated(rng, batch, o['scale'] * p, 1, 2 ** (n(batch) * o['scale_std']))
    p_rot = 1 - math.sqrt(min(1, max(0, 1 - o['rotate'] * p)))
    theta = lambda: (u(batch) * 2 - 1) * math.pi * o['rotate_max']
    if o['rotate'] > 0:
        out['rotate_pre'] = _gated(rng, batch, p_rot, 0, theta())
    if o['aniso'] > 0:
        out['aniso'] = _gated(rng, batch, o['aniso'] * p, 1, 2 ** (n(batch) * o['aniso_std']))
    if o['rotate'] > 0:
        out['rotate_post'] = _gated(rng, batch, p_rot, 0, theta())
    if o['xfrac'] > 0:
        out['xfrac'] = _gated(rng, batch, o['xfrac'] * p, 0, n(2 * batch) * o['xfrac_std'], 2)
    if o['brightness'] > 0:
        out['brightness'] = _gated(rng, batch, o['brightness'] * p, 0, n(batch) * o['brightness_std'])
    if o['contrast'] > 0:
        out['contrast'] = _gated(rng, batch, o['contrast'] * p, 1, 2 ** (n(batch) * o['contrast_std']))
    if o['lumaflip'] > 0:
        out['lumaflip'] = _gated(rng, batch, o['lumaflip'] * p, 0, np.floor(u(batch) * 2))
    if o['hue'] > 0 and channels > 1:
        out['hue'] = _gated(rng, batch, o['hue'] * p, 0, (u(batch) * 2 - 1) * math.pi * o['hue_max'])
    if o['saturation'] > 0 and channels > 1:
        out['saturation'] = _gated(rng, batch, o['saturation'] * p, 1, 2 ** (n(batch) * o['saturation_std']))
    return out


def _round_half_even(v: float) -> float:
    return float(np.round(v))  # numpy rounds half to even, as torch.round and draws.ts roundHalfEven


def _mul(a, b):
    """ada/matrices.ts mul: the same sums in the same order (numpy's matmul may order them otherwise)."""
    n = a.shape[0]
    out = np.empty_like(a)
    for i in range(n):
        for j in range(n):
            s = 0.0
            for k in range(n):
                s += a[i, k] * b[k, j]
            out[i, j] = s
    return out


def _t2(tx, ty):
    return np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]], np.float64)


def _s2(sx, sy):
    return np.array([[sx, 0, 0], [0, sy, 0], [0, 0, 1]], np.float64)


def _r2(theta):
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], np.float64)


def _quarter(q):
    cos, sin = [1, 0, -1, 0][q], [0, 1, 0, -1][q]
    return np.array([[cos, -sin, 0], [sin, cos, 0], [0, 0, 1]], np.float64)


def geometric_matrix(P: dict, b: int, h: int, w: int) -> np.ndarray:
    """draws.ts geometricMatrix: image b's G⁻¹, each step right-multiplied, identity steps skipped."""
    g = np.eye(3)
    at = lambda k, i=0, width=1: float(P[k][b * width + i]) if k in P else None
    if at('xflip'):
        g = _mul(g, _s2(-1, 1))
    q = at('rotate90')
    if q:
        g = _mul(g, _quarter(int(q)))
    ix, iy = at('xint', 0, 2), at('xint', 1, 2)
    if ix or iy:
        g = _mul(g, _t2(-_round_half_even(ix * w), -_round_half_even(iy * h)))
    s = at('scale')
    if s is not None and s != 1:
        g = _mul(g, _s2(1 / s, 1 / s))
    pre = at('rotate_pre')
    if pre:
        g = _mul(g, _r2(pre))
    a = at('aniso')
    if a is not None and a != 1:
        g = _mul(g, _s2(1 / a, a))
    post = at('rotate_post')
    if post:
        g = _mul(g, _r2(post))
    fx, fy = at('xfrac', 0, 2), at('xfrac', 1, 2)
    if fx or fy:
        g = _mul(g, _t2(-fx * w, -fy * h))
    return g


def _color4(m3=None, offset=(0, 0, 0)):
    m = np.eye(4)
    if m3 is not None:
        m[:3, :3] = m3
    m[:3, 3] = offset
    return m


def color_matrix(P: dict, b: int) -> np.ndarray:
    """draws.ts colorMatrix: image b's C, each step left-multiplied, identity steps skipped."""
    c = np.eye(4)
    at = lambda k: float(P[k][b]) if k in P else None
    vv = np.outer(LUMA, LUMA)
    bright = at('brightness')
    if bright:
        c = _mul(_color4(offset=(bright,) * 3), c)
    k = at('contrast')
    if k is not None and k != 1:
        c = _mul(_color4(np.diag([k, k, k])), c)
    if at('lumaflip'):
        c = _mul(_color4(np.eye(3) - 2 * vv), c)
    hue = at('hue')
    if hue:
        x, y, z = LUMA
        s, co = math.sin(hue), math.cos(hue)
        cc = 1 - co
        c = _mul(_color4(np.array([[x * x * cc + co, x * y * cc - z * s, x * z * cc + y * s],
                                   [y * x * cc + z * s, y * y * cc + co, y * z * cc - x * s],
                                   [z * x * cc - y * s, z * y * cc + x * s, z * z * cc + co]])), c)
    sat = at('saturation')
    if sat is not None and sat != 1:
        c = _mul(_color4(vv + (np.eye(3) - vv) * sat), c)
    return c


def reflect_index(k: np.ndarray, n: int) -> np.ndarray:
    """resample.ts reflectIndex: PyTorch's 'reflect' (edge pixel not repeated), as far out as k goes."""
    if n == 1:
        return np.zeros_like(k)
    period = 2 * (n - 1)
    m = np.mod(k, period)
    return np.where((k >= 0) & (k < n), k, np.where(m < n, m, period - m))


def _axis_weights(t: np.ndarray, kind: str) -> np.ndarray:
    if kind == 'bilinear':
        return np.stack([1 - t, t], -1)
    A = CUBIC_A
    u0, u1, u2, u3 = t + 1, t, 1 - t, 2 - t
    return np.stack([((A * u0 - 5 * A) * u0 + 8 * A) * u0 - 4 * A, ((A + 2) * u1 - (A + 3)) * u1 * u1 + 1,
                     ((A + 2) * u2 - (A + 3)) * u2 * u2 + 1, ((A * u3 - 5 * A) * u3 + 8 * A) * u3 - 4 * A], -1)


def resample_plan(inverse: np.ndarray, h: int, w: int, kind: str):
    """resample.ts resamplePlan for [B, 3, 3] G⁻¹: per output pixel its taps (index into the batch's
    pixels) and float32 weights, the taps in Ganvas's order (rows of taps, then columns)."""
    batch = inverse.shape[0]
    n, first = (2, 0) if kind == 'bilinear' else (4, -1)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    yo, xo = np.meshgrid(np.arange(h) - cy, np.arange(w) - cx, indexing='ij')
    m = inverse[:, :2, :].reshape(batch, 6, 1, 1)
    sx = m[:, 0] * xo + m[:, 1] * yo + m[:, 2] + cx
    sy = m[:, 3] * xo + m[:, 4] * yo + m[:, 5] + cy
    x0, y0 = np.floor(sx), np.floor(sy)
    wx, wy = _axis_weights(sx - x0, kind), _axis_weights(sy - y0, kind)  # [B, H, W, n]
    k = np.arange(n) + first
    cols = reflect_index(x0.astype(np.int64)[..., None] + k, w)
    rows = reflect_index(y0.astype(np.int64)[..., None] + k, h)
    base = (np.arange(batch) * h * w).reshape(batch, 1, 1, 1, 1)
    index = base + rows[..., :, None] * w + cols[..., None, :]  # [B, H, W, ky, kx]
    weight = (wy[..., :, None] * wx[..., None, :]).astype(np.float32)
    return index.reshape(batch * h * w, n * n), weight.reshape(batch * h * w, n * n)


def _mix_dtype(x: torch.Tensor):
    return torch.float64 if x.device.type == 'cpu' else x.dtype


def resample(x: torch.Tensor, inverse: np.ndarray, kind: str) -> torch.Tensor:
    """NCHW images through per-image G⁻¹ (autograd gives the adjoint, and its gradient again for R1)."""
    b, c, h, w = x.shape
    index, weight = resample_plan(inverse, h, w, kind)
    dt = _mix_dtype(x)
    pixels = x.permute(0, 2, 3, 1).reshape(-1, c).to(dt)
    idx = torch.from_numpy(index).to(x.device)
    wt = torch.from_numpy(weight).to(x.device).to(dt)
    out = (pixels[idx] * wt[..., None]).sum(1).to(x.dtype)
    return out.reshape(b, h, w, c).permute(0, 3, 1, 2)


def apply_color(x: torch.Tensor, C: np.ndarray) -> torch.Tensor:
    """ada/color.ts colorRgb (C[:3, :3] · rgb, then + C[:3, 3] in float32) or colorGrey."""
    b, c, h, w = x.shape
    if c == 3:
        m = torch.from_numpy(C[:, :3, :3].astype(np.float32)).to(x.device)
        dt = _mix_dtype(x)
        mixed = torch.einsum('bij,bjp->bip', m.to(dt), x.reshape(b, 3, h * w).to(dt)).to(x.dtype)
        offset = torch.from_numpy(C[:, :3, 3].astype(np.float32)).to(x.device)
        return (mixed + offset[:, :, None]).reshape(b, c, h, w)
    gain = (C[:, :3, :3].sum((1, 2)) / 3).astype(np.float32)
    offset = (C[:, :3, 3].sum(1) / 3).astype(np.float32)
    return x * per_image(gain, x) + per_image(offset, x)


def ada_matrices(P: dict, batch: int, h: int, w: int):
    """Per-image G⁻¹ and C, each None when every image's is the identity (nothing to apply)."""
    G = np.stack([geometric_matrix(P, b, h, w) for b in range(batch)])
    C = np.stack([color_matrix(P, b) for b in range(batch)])
    return (None if np.array_equal(G, np.broadcast_to(np.eye(3), G.shape)) else G,
            None if np.array_equal(C, np.broadcast_to(np.eye(4), C.shape)) else C)


# --- D's lens ------------------------------------------------------------------------------------

class Lens:
    """gan-round.ts `view`: ADA's pipeline at p (when ADA is on), then DiffAugment at p = 1 (when any
    of its ops is on), drawing for the global batch and applying to this rank's rows."""

    def __init__(self, config: dict, rng: Rng, ada_p: float, rows: slice):
        self.rng, self.rows, self.batch = rng, rows, config['batch']
        self.policy = {'color': bool(config.get('augColor')), 'translation': bool(config.get('augTranslation')),
                       'cutout': bool(config.get('augCutout'))}
        self.diff = any(self.policy.values())
        self.ada = AdaController(config.get('adaTarget', 0.6), config.get('adaSpeedImages', 500_000), ada_p) if config.get('ada') else None

    @property
    def active(self) -> bool:
        return self.diff or self.ada is not None

    @property
    def augment_p(self) -> float:
        """The probability in force, as the report's augmentP: ADA's p, else 1 for DiffAugment, else 0."""
        return self.ada.p if self.ada else (1.0 if self.diff else 0.0)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if not self.active:
            return x
        B, side = self.batch, x.shape[2]
        if self.ada:
            P = draw_ada_params(BGC, self.ada.p, self.rng, B, x.shape[1])
            G, C = ada_matrices(P, B, x.shape[2], x.shape[3])
            if G is not None:
                x = resample(x, G[self.rows], BGC['interpolation'])
            if C is not None:
                x = apply_color(x, C[self.rows])
        if self.diff:
            d = draw_diffaugment(self.policy, 1.0, self.rng, B, side)
            x = apply_diffaugment(x, {k: tuple(np.asarray(v)[self.rows] for v in vs) for k, vs in d.items()})
        return x
