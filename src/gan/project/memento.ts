import * as tf from '@tensorflow/tfjs';
import type { Adam } from '../train/adam.ts';
import type { Params } from '../nn/params.ts';
import type { RngState } from '../nn/random.ts';

/**
 * An in-memory copy of everything a training step changes, kept on the device: parameters,
 * Adam moments and counters, the RNG position and the step. Restoring one puts the run back
 * exactly (used to roll back a diverged run; cheap enough to take every few hundred steps).
 */
export interface Memento {
  step: number;
  rng: RngState;
  /** The augmentation stream, when the trainer keeps one apart. */
  augRng?: RngState;
  adamT: Record<string, number>;
  tensors: Record<string, tf.Tensor>;
}

/** What a memento captures: parameters by name and optimizers by player. */
export interface Restorable {
  params: Params;
  optimizers: Record<string, Adam>;
}

function entries(target: Restorable): [string, tf.Variable][] {
  const out: [string, tf.Variable][] = Object.entries(target.params);
  for (const [who, adam] of Object.entries(target.optimizers)) {
    for (const [n, v] of Object.entries(adam.m)) out.push([`adam.${who}.m.${n}`, v]);
    for (const [n, v] of Object.entries(adam.v)) out.push([`adam.${who}.v.${n}`, v]);
  }
  return out;
}

export function takeMemento(target: Restorable, step: number, rng: RngState, augRng?: RngState): Memento {
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, v] of entries(target)) tensors[name] = tf.clone(v);
  const adamT = Object.fromEntries(Object.entries(target.optimizers).map(([who, a]) => [who, a.t]));
  return { step, rng: { ...rng }, ...(augRng ? { augRng: { ...augRng } } : {}), adamT, tensors };
}

export function restoreMemento(target: Restorable, m: Memento): void {
  for (const [name, v] of entries(target)) {
    const saved = m.tensors[name];
    if (!saved) throw new Error(`snapshot has no ${name}`);
    v.assign(saved);
  }
  for (const [who, adam] of Object.entries(target.optimizers)) adam.t = m.adamT[who] ?? 0;
}

export function disposeMemento(m: Memento): void {
  tf.dispose(Object.values(m.tensors));
}

/** True when any tensor holds NaN or ±Infinity (one small read). */
export async function hasNonFinite(m: Memento): Promise<boolean> {
  const bad = tf.tidy(() => tf.addN(Object.values(m.tensors).map((t) => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(t)), 'float32')))));
  const n = (await bad.data())[0]!;
  bad.dispose();
  return n > 0;
}
