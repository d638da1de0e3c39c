"""StyleGAN's noise is tfjs's seeded randomNormal; noise.py must draw its values bit for bit.
The expected numbers were printed by tfjs 4.22 (`tf.randomNormal([1001], 0, 1, 'float32', seed).dataSync()`
under Node); the hand-over tests (test_stylegan.py) check the same through whole training rounds."""
import numpy as np

from ganvas_torch.noise import tfjs_normals

TFJS = {
    1: ([0.07275114208459854, -1.0539796352386475, -0.4268375337123871, 2.3264622688293457, -0.9073746800422668], -0.4368583858013153),
    790083: ([-1.7153635025024414, -0.18513362109661102, -0.14136113226413727, 0.4496553838253021, 0.997672975063324], 1.1174099445343018),
}


def test_draws_tfjs_random_normal_bit_for_bit():
    for seed, (head, last) in TFJS.items():
        a = tfjs_normals(seed, 1001)
        assert a.dtype == np.float32
        assert a[:5].tolist() == np.array(head, np.float32).tolist()
        assert a[1000] == np.float32(last)  # after ~1270 uniforms: the carry and the rejections kept in step


def test_an_odd_count_is_a_prefix_of_the_even_one():
    assert np.array_equal(tfjs_normals(7, 9), tfjs_normals(7, 10)[:9])
