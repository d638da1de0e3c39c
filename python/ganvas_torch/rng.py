"""Ganvas's seeded stream (src/gan/nn/random.ts): mulberry32 with Box–Muller normals.

Batch indices and latents come from this stream in Ganvas, so a run continued here draws the very
batches and latents the page would have drawn. mulberry32's state advances by a constant, so n
draws are computed at once with numpy (uint32 arithmetic wraps as Math.imul does); the normals'
pairing and the kept spare follow `Rng.normal` exactly.
"""
from __future__ import annotations

import math

import numpy as np

STEP = 0x6D2B79F5
U32 = np.uint32


class Rng:
    def __init__(self, seed: int = 0, state: int | None = None, spare: float | None = None):
        self.state = (seed & 0xFFFFFFFF or 0x9E3779B9) if state is None else int(state) & 0xFFFFFFFF
        self.spare = spare

    def save(self) -> dict:
        return {'state': self.state, 'spare': self.spare}

    def uniforms(self, n: int) -> np.ndarray:
        """`n` draws of `next()`: float64 in [0, 1)."""
        if n == 0:
            return np.zeros(0)
        k = np.arange(1, n + 1, dtype=np.uint64)
        t = ((np.uint64(self.state) + k * np.uint64(STEP)) & np.uint64(0xFFFFFFFF)).astype(U32)
        self.state = int(t[-1])
        with np.errstate(over='ignore'):
            t = (t ^ (t >> U32(15))) * (t | U32(1))
            t = t ^ (t + (t ^ (t >> U32(7))) * (t | U32(61)))
            t = t ^ (t >> U32(14))
        return t.astype(np.float64) / 4294967296.0

    def next(self) -> float:
        return float(self.uniforms(1)[0])

    def ints(self, n: int, top: int) -> np.ndarray:
        return np.floor(self.uniforms(n) * top).astype(np.int64)

    def normals(self, n: int) -> np.ndarray:
        """`n` standard normals as float32 (Rng.normals with std 1, mean 0)."""
        return self.normals64(n).astype(np.float32)

    def normals64(self, n: int) -> np.ndarray:
        """`n` draws of `normal()` as float64 (JS numbers, before any rounding to float32)."""
        out = np.empty(n, np.float64)
        at = 0
        if n > 0 and self.spare is not None:
            out[0], self.spare, at = self.spare, None, 1
        pairs = (n - at + 1) // 2
        if pairs:
            u = self.uniforms(2 * pairs).reshape(pairs, 2)
            if np.any(u[:, 0] == 0):  # next() gave exactly 0 (p = 2^-32): redo these draws one by one
                self.state = (self.state - 2 * pairs * STEP) & 0xFFFFFFFF
                return self._normals_slowly(out, at, n)
            r = np.sqrt(-2 * np.log(u[:, 0]))
            theta = 2 * math.pi * u[:, 1]
            both = np.stack([r * np.cos(theta), r * np.sin(theta)], 1).reshape(-1)
            out[at:] = both[:n - at]
            if (n - at) % 2:
                self.spare = float(both[-1])
        return out

    def _normals_slowly(self, out, at, n):
        for i in range(at, n):
            out[i] = self.normal()
        return out

    def normal(self) -> float:
        if self.spare is not None:
            s, self.spare = self.spare, None
            return s
        u = 0.0
        while u == 0:
            u = self.next()
        r = math.sqrt(-2 * math.log(u))
        theta = 2 * math.pi * self.next()
        self.spare = r * math.sin(theta)
        return r * math.cos(theta)
