/**
 * The prepared dataset as a StyleGAN2-ADA dataset zip (`dataset.json` + PNGs in folders of
 * 1,000, the layout its `dataset_tool.py` writes), so a person who outgrows the browser can go
 * on training on real GPUs with the exact images Ganvas trained on.
 */
import { strToU8, zipSync, type Zippable } from 'fflate';
import { rgbaFromFloat } from './prepare.ts';
import { encodePng } from './png.ts';
import type { PreparedSet } from './types.ts';

export function styleganDatasetZip(set: PreparedSet): Uint8Array {
  const files: Zippable = {};
  const rgb = new Uint8Array(set.res * set.res * 3);
  for (let i = 0; i < set.count; i++) {
    const rgba = rgbaFromFloat(set.pixels, set.res, set.res, i * set.res * set.res * 3);
    for (let p = 0; p < set.res * set.res; p++) rgb.set(rgba.subarray(p * 4, p * 4 + 3), p * 3);
    const name = `${String(Math.floor(i / 1000)).padStart(5, '0')}/img${String(i).padStart(8, '0')}.png`;
    files[name] = [encodePng(set.res, set.res, rgb, 3), { level: 0 }]; // PNGs are compressed already
  }
  files['dataset.json'] = strToU8(JSON.stringify({ labels: null }));
  return zipSync(files);
}
