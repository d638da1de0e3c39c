"""tfjs's seeded `tf.randomNormal` (tfjs-core ops/rand_util.ts MPRandGauss over seedrandom's Alea),
the source of the per-pixel noise in Ganvas's StyleGAN synthesis.

Ganvas draws the noise of a synthesis call with seed s as `tf.randomNormal(shape, 0, 1, 'float32',
s·64 + layer + 1)` (src/gan/nn/models/stylegan.ts), so a run continued here adds the very noise
the page would have added. Alea is a lag-3 multiply-with-carry generator written in doubles:
its state words are multiples of 2^-32 and 2091639·s0 + c·2^-32 is exact in a double, so the
same recurrence in integers (S = a·S₀ + C, carry S >> 32) gives the same numbers bit for bit.
Marsaglia's polar method then pairs the uniforms, rejecting points outside the unit disc.
The loop is plain Python (each value depends on the last three): about 1 µs a value, so
`--noise torch` (train.py) draws with PyTorch instead where the noise volume makes that matter.
"""
from __future__ import annotations

import math

import numpy as np

_A = 2091639
_M32 = 0xFFFFFFFF
_TWO_M32 = 2.3283064365386963e-10  # 2^-32


def _mash_state(seed_text: str):
    """seedrandom's Mash hash: three calls for ' ' then three for the seed, as Alea seeds itself."""
    n = 0xEFC8249D

    def mash(data: str) -> float:
        nonlocal n
        for ch in data:
            n += ord(ch)
            h = 0.02519603282416938 * n
            n = int(h) & _M32  # h >>> 0 (h ≥ 0)
            h -= n
            h *= n
            n = int(h) & _M32
            h -= n
            n += h * 4294967296.0
        return (int(n) & _M32) * _TWO_M32

    s = [mash(' '), mash(' '), mash(' ')]
    for i in range(3):
        s[i] -= mash(seed_text)
        if s[i] < 0:
            s[i] += 1
    return s


def _uniform_ints(seed: int):
    """Alea's outputs as the integers k of k·2^-32, forever."""
    s0, s1, s2 = (round(v * 4294967296.0) for v in _mash_state(str(seed)))
    c = 1
    while True:
        t = _A * s0 + c
        c = t >> 32
        s0, s1, s2 = s1, s2, t & _M32
        yield s2


def tfjs_normals(seed: int, n: int) -> np.ndarray:
    """`tf.randomNormal([n], 0, 1, 'float32', seed)`'s values (seed a positive integer)."""
    if seed <= 0:
        raise ValueError('tfjs treats seed 0 as unseeded')
    u = _uniform_ints(seed)
    out = np.empty(n, np.float64)
    i = 0
    while i < n:
        while True:
            v1 = 2 * (next(u) * _TWO_M32) - 1
            v2 = 2 * (next(u) * _TWO_M32) - 1
            s = v1 * v1 + v2 * v2
            if 0 < s < 1:
                break
        mul = math.sqrt(-2.0 * math.log(s) / s)
        out[i] = v1 * mul
        if i + 1 < n:
            out[i + 1] = v2 * mul
        i += 2
    return out.astype(np.float32)
