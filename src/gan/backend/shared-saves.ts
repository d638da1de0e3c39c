import * as tf from '@tensorflow/tfjs';

/**
 * The tensors a gradient saves, shared without an `Identity` kernel on WebGPU.
 *
 * While a gradient tape records, tfjs keeps every tensor a kernel's gradient will need (Conv2D's
 * x and filter, Add's a and b for their shapes, LeakyRelu's x, a customGrad's saved list) by
 * `engine.clone(t)`: it runs the `Identity` kernel and adds a tape node whose gradient is a cast
 * of dy, so gradients of gradients (R1) flow back to `t`. On WebGPU, `Identity` dispatches
 * nothing (it takes one more reference to `t`'s buffer), but each is a whole `runKernel`: kernel
 * lookup, scope, profiler hooks, a tensor. A DCGAN step at 32 px makes 85 of them (docs/webgpu.md).
 *
 * On WebGPU this does the same without the kernel: one more reference to the buffer (what that
 * backend's `Identity` does, checked when installed), a tensor on it, the same tape node. Other
 * backends keep tfjs's clone (WASM's `Identity` copies). Engine internals are checked by name,
 * so a tfjs that renames one fails loudly here instead of training wrongly.
 */

interface TapeGrad {
  (dy: tf.Tensor): Record<string, () => tf.Tensor>;
}

/** The parts of tfjs-core 4.22's `Engine` used here (private in its types). */
interface EngineInternals {
  backendName: string;
  backend: { incRef?(id: tf.DataId): void };
  clone(x: tf.Tensor): tf.Tensor;
  makeTensorFromTensorInfo(info: tf.TensorInfo): tf.Tensor;
  addTapeNode(name: string, inputs: tf.NamedTensorMap, outputs: tf.Tensor[], grad: TapeGrad, saved: tf.Tensor[], attrs: tf.NamedAttrMap): void;
  /** `activeScope` is set while a scope runs (saves happen inside kernels, so always); `scopeStack` always exists. */
  state: { activeScope?: { name: string }; scopeStack: unknown[] };
}

const BACKEND = 'webgpu';
const ENGINE_METHODS = ['clone', 'makeTensorFromTensorInfo', 'addTapeNode'] as const;

let tfjsClone: EngineInternals['clone'] | undefined;
let enabled = false;

/** What tfjs's clone records: dy cast to float32 (as engine.clone's own gradient). */
const castBack: TapeGrad = (dy) => ({ x: () => tf.engine().runKernel('Cast', { x: dy }, { dtype: 'float32' }) as tf.Tensor });

function sharedClone(this: EngineInternals, x: tf.Tensor): tf.Tensor {
  if (!enabled || this.backendName !== BACKEND) return tfjsClone!.call(this, x);
  this.backend.incRef!(x.dataId);
  const y = this.makeTensorFromTensorInfo({ dataId: x.dataId, shape: x.shape, dtype: x.dtype });
  this.addTapeNode(this.state.activeScope?.name ?? '', { x }, [y], castBack, [], {});
  return y;
}

/** True when the running backend's `Identity` returns its input's own buffer (one more reference). */
function identityShares(engine: EngineInternals): boolean {
  const x = tf.zeros([1]);
  const y = tf.engine().runKernel('Identity', { x }) as tf.Tensor;
  const shares = y.dataId === x.dataId && typeof engine.backend.incRef === 'function';
  tf.dispose([x, y]);
  return shares;
}

/**
 * Saves by reference on WebGPU from now on; call with WebGPU running. Throws, naming what is
 * missing, when this tfjs lacks an internal used; leaves tfjs's clone when WebGPU's `Identity`
 * does not share its input's buffer.
 */
export function installSharedSaves(): void {
  const engine = tf.engine() as unknown as EngineInternals & Record<string, unknown>;
  const missing = [...ENGINE_METHODS.filter((m) => typeof engine[m] !== 'function'), ...(Array.isArray(engine.state?.scopeStack) ? [] : ['state.scopeStack'])];
  if (missing.length) throw new Error(`shared-saves: this tfjs-core lacks Engine.${missing.join(', Engine.')} (written against 4.22)`);
  if (tf.getBackend() !== BACKEND || !identityShares(engine)) return;
  if (engine.clone !== sharedClone) {
    tfjsClone = engine.clone;
    engine.clone = sharedClone;
  }
  enabled = true;
}

/** tfjs's own clone again (the engine keeps the wrapper, which then passes every call through). */
export function uninstallSharedSaves(): void {
  enabled = false;
}
