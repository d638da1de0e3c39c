/**
 * Between a live trainer (tensors on the device) and a plain TrainerSnapshot (typed arrays, the
 * checkpoint format's input): reading everything back, and checking that a snapshot fits the
 * model it is loaded into before anything is assigned.
 */
import { msg, type Message } from '../../contract/messages.ts';
import * as tf from '@tensorflow/tfjs';
import type { Adam } from '../train/adam.ts';
import type { NamedArray, OptimizerState } from './checkpoint.ts';
import type { Params } from '../nn/params.ts';

export async function readNamed(params: Params): Promise<Record<string, NamedArray>> {
  const out: Record<string, NamedArray> = {};
  for (const [name, v] of Object.entries(params)) out[name] = { shape: [...v.shape], data: (await v.data()) as Float32Array };
  return out;
}

export async function readAdam(adam: Adam): Promise<OptimizerState> {
  const m = await readNamed(adam.m);
  const v = await readNamed(adam.v);
  const weights: Record<string, NamedArray> = {};
  for (const name of Object.keys(m)) {
    weights[`${name}/m`] = m[name]!;
    weights[`${name}/v`] = v[name]!;
  }
  return { iterations: adam.t, weights };
}

/** The first mismatch between stored arrays and a model's parameters, phrased for a person. */
export function mismatch(params: Params, stored: Record<string, NamedArray>, what: Message): Message | undefined {
  for (const [name, v] of Object.entries(params)) {
    const s = stored[name];
    if (!s) return msg('state.noParam', { what, name });
    if (s.shape.join('×') !== v.shape.join('×')) return msg('state.shape', { what, name, has: s.shape.join('×'), needs: v.shape.join('×') });
  }
  const extra = Object.keys(stored).find((n) => !(n in params));
  return extra ? msg('state.extra', { what, name: extra }) : undefined;
}

export function adamMismatch(adam: Adam, state: OptimizerState | undefined, what: Message): Message | undefined {
  if (!state) return msg('state.missing', { what });
  const m: Record<string, NamedArray> = {};
  const v: Record<string, NamedArray> = {};
  for (const [key, arr] of Object.entries(state.weights)) {
    const [name, slot] = [key.slice(0, key.lastIndexOf('/')), key.slice(key.lastIndexOf('/') + 1)];
    if (slot === 'm') m[name] = arr;
    else if (slot === 'v') v[name] = arr;
    else return msg('state.slot', { what, key });
  }
  return mismatch(adam.m, m, msg('state.firstMoments', { what })) ?? mismatch(adam.v, v, msg('state.secondMoments', { what }));
}

export function assignNamed(params: Params, stored: Record<string, NamedArray>): void {
  for (const [name, v] of Object.entries(params)) v.assign(tf.tensor(stored[name]!.data, stored[name]!.shape));
}

export function assignAdam(adam: Adam, state: OptimizerState): void {
  tf.tidy(() => {
    for (const name of Object.keys(adam.m)) {
      const m = state.weights[`${name}/m`]!;
      const v = state.weights[`${name}/v`]!;
      adam.m[name]!.assign(tf.tensor(m.data, m.shape));
      adam.v[name]!.assign(tf.tensor(v.data, v.shape));
    }
  });
  adam.t = state.iterations;
}

/**
 * A float64 scalar (ADA's p) as four exact 16-bit pieces in float32s, since the checkpoint
 * stores float32 arrays only and a rounded p would change the next augmentation draws.
 */
export function float64ToArray(x: number): NamedArray {
  const words = new Uint16Array(new Float64Array([x]).buffer);
  return { shape: [4], data: Float32Array.from(words) };
}

export function arrayToFloat64(a: NamedArray | undefined): number | undefined {
  if (!a || a.data.length !== 4) return undefined;
  const x = new Float64Array(Uint16Array.from(a.data).buffer)[0]!;
  return Number.isFinite(x) ? x : undefined;
}
