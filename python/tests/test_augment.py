"""The augmentation's own rules, without Ganvas (the hand-over tests hold it to Ganvas's numbers)."""
import numpy as np
import pytest
import torch

from ganvas_torch.augment import BGC, AdaController, Lens, ada_matrices, apply_diffaugment, draw_ada_params, draw_diffaugment, resample
from ganvas_torch.rng import Rng

ALL = {'color': True, 'translation': True, 'cutout': True}


def test_p_never_shifts_the_stream():
    states = set()
    for p in (0, 0.37, 0.8):
        rng = Rng(7)
        draw_ada_params(BGC, p, rng, 8, 3)
        draw_diffaugment(ALL, p, rng, 8, 16)
        states.add((rng.state, rng.spare))
    assert len(states) == 1


def test_p_zero_leaves_images_bit_for_bit_and_p_one_does_not():
    x = torch.rand(4, 3, 16, 16) * 2 - 1
    config = {'batch': 4, 'ada': True, 'adaTarget': 0.6, 'adaSpeedImages': 1000}
    assert torch.equal(Lens(config, Rng(3), 0.0, slice(0, 4))(x), x)
    draws = draw_diffaugment(ALL, 0.0, Rng(3), 4, 16)
    assert torch.equal(apply_diffaugment(x, draws), x)
    assert not torch.allclose(apply_diffaugment(x, draw_diffaugment(ALL, 1.0, Rng(3), 4, 16)), x)


def test_blits_are_exact_copies_through_the_bicubic_taps():
    x = torch.rand(1, 3, 6, 6, dtype=torch.float32)
    params = {'xflip': np.array([1.0])}
    G, _ = ada_matrices(params, 1, 6, 6)
    assert torch.equal(resample(x, G, 'bicubic'), x.flip(3))
    G, _ = ada_matrices({'rotate90': np.array([1.0])}, 1, 6, 6)
    out = resample(x, G, 'bicubic')
    i, j = np.meshgrid(np.arange(6), np.arange(6), indexing='ij')
    assert torch.equal(out, x[:, :, j, 5 - i])  # output (i, j) reads input (row j, column W − 1 − i)


def test_controller_moves_p_per_real_image_and_caps_it():
    ada = AdaController(target=0.6, speed_images=1000, p=0.5)
    assert ada.update(sign_sum=16, count=16, batch=8) == pytest.approx(0.516)  # r_t = 1 > 0.6: up by 16/1000
    assert ada.update(sign_sum=0, count=8, batch=8) == pytest.approx(0.508)  # r_t = 0 < 0.6: down by 8/1000
    assert ada.update(sign_sum=5, count=0, batch=8) == pytest.approx(0.508)  # nothing seen: unchanged
    assert AdaController(0.6, 1000, 0.795).update(8, 8, 8) == 0.8 and AdaController(0.6, 1000, 0.005).update(-8, 8, 8) == 0.0
