import * as tf from '@tensorflow/tfjs';

/** An RGBA image ready for a canvas: `pixels.length === width * height * 4`. */
export interface GridImage {
  width: number;
  height: number;
  pixels: Uint8ClampedArray;
}

const GAP = 1;

/**
 * Tiles `images` ([rows·cols, R, R, 3] in [-1, 1], row by row) into one RGBA grid with 1-pixel
 * gaps, on the device, so a single read brings the whole grid back.
 */
export function gridTensor(images: tf.Tensor4D, rows: number, cols = rows): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, r] = images.shape;
    if (n !== rows * cols) throw new Error(`grid of ${rows}×${cols} needs ${rows * cols} images, got ${n}`);
    const rgb = tf.clipByValue(tf.mul(tf.add(images, 1), 127.5), 0, 255);
    const alpha = tf.fill([n, r, r, 1], 255);
    const padded = tf.pad(tf.concat([rgb, alpha], 3), [
      [0, 0],
      [0, GAP],
      [0, GAP],
      [0, 0],
    ]);
    const t = r + GAP;
    const tiled = tf.reshape(tf.transpose(tf.reshape(padded, [rows, cols, t, t, 4]), [0, 2, 1, 3, 4]), [rows * t, cols * t, 4]);
    return tf.slice(tiled, [0, 0, 0], [rows * t - GAP, cols * t - GAP, 4]) as tf.Tensor3D;
  });
}

/** Reads a grid tensor back as canvas pixels and disposes it. */
export async function readGrid(grid: tf.Tensor3D): Promise<GridImage> {
  const [height, width] = grid.shape;
  const values = await grid.data();
  grid.dispose();
  return { width, height, pixels: Uint8ClampedArray.from(values) };
}
