"""SSIM of projection reconstructions against their targets: a yardstick neither projection
objective (pyramid, pyramid+d) optimises, for docs/projection.md's D-feature table.

    /usr/bin/python3 bench/peer/projection_ssim.py OUT_DIR [OUT_DIR ...]

Each OUT_DIR is an `npm run project -- --out OUT_DIR` folder holding <target>/target.png and
<target>/reconstruction.png. SSIM (Wang et al. 2004) per RGB channel on [0, 1] pixels with a
uniform 7×7 window over the valid region, K1 = 0.01, K2 = 0.03, sample covariances (N − 1), the
channel mean reported: scikit-image's `structural_similarity` defaults, written out with numpy.
"""
import sys
from pathlib import Path

import numpy as np
from PIL import Image

WIN = 7
C1, C2 = 0.01 ** 2, 0.03 ** 2


def window_means(x: np.ndarray) -> np.ndarray:
    """Mean of every WIN×WIN window (valid positions only), by a 2-D cumulative sum."""
    c = np.pad(x, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    s = c[WIN:, WIN:] - c[:-WIN, WIN:] - c[WIN:, :-WIN] + c[:-WIN, :-WIN]
    return s / (WIN * WIN)


def ssim_channel(a: np.ndarray, b: np.ndarray) -> float:
    n = WIN * WIN
    unbias = n / (n - 1)
    ma, mb = window_means(a), window_means(b)
    va = (window_means(a * a) - ma * ma) * unbias
    vb = (window_means(b * b) - mb * mb) * unbias
    cov = (window_means(a * b) - ma * mb) * unbias
    s = ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2))
    return float(s.mean())


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean([ssim_channel(a[..., c], b[..., c]) for c in range(3)]))


def load(p: Path) -> np.ndarray:
    return np.asarray(Image.open(p).convert("RGB"), dtype=np.float64) / 255.0


def main() -> None:
    for out in sys.argv[1:]:
        for target in sorted(Path(out).glob("*/target.png")):
            d = target.parent
            print(f"{out}\t{d.name}\tSSIM {ssim(load(target), load(d / 'reconstruction.png')):.3f}")


if __name__ == "__main__":
    main()
