import * as tf from '@tensorflow/tfjs';

/**
 * Runs a small conv + matmul with a known answer, so a backend that initialises but computes
 * garbage (it happens with broken drivers) is caught before training. It also compiles the
 * first shaders, so the first real step is not the slow one. Returns what went wrong, if anything.
 */
export async function backendSelfCheck(): Promise<string | undefined> {
  const out = tf.tidy(() => {
    const x = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 2, 1]) as tf.Tensor4D;
    return tf.add(tf.sum(tf.conv2d(x, w, 1, 'same')), tf.sum(tf.matMul(tf.ones([2, 3]), tf.ones([3, 2]))));
  });
  const v = (await out.data())[0];
  out.dispose();
  // conv of ones (3×3×2 kernel, 'same' on 4×4): 4 corners·8 + 8 edges·12 + 4 inner·18 = 200; matmul: 4·3 = 12.
  return v === 212 ? undefined : `${tf.getBackend()} computed ${v} where 212 was expected`;
}
