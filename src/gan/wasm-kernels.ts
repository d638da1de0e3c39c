import * as tf from '@tensorflow/tfjs';

/**
 * Training kernels for the tfjs WASM backend.
 *
 * `@tensorflow/tfjs-backend-wasm` 4.22 has no `Conv2DBackpropFilter`, so no conv net can train on
 * it, and its `Conv2DBackpropInput` (the forward pass of every transposed convolution) is a plain
 * C++ loop, while its `Conv2D` runs on XNNPACK. The kernels here are built from tf ops so that
 * all the arithmetic lands in that fast `Conv2D`:
 *
 * - `Conv2DBackpropFilter`: the filter gradient of a stride-s convolution is itself a
 *   convolution: the padded input, transposed to [inC, H, W, batch], convolved with dy,
 *   transposed to [outH, outW, batch, outC] and dilated by s, gives [inC, kH, kW, outC].
 * - `Conv2DBackpropInput`: the input gradient of a stride-s convolution (= a transposed
 *   convolution) splits into s×s phases; each output phase is a stride-1 convolution of dy with
 *   a flipped sub-filter. All phases run as ONE convolution with s·s·inC output channels, which
 *   a depth-to-space shuffle interleaves.
 * - `Tile`: a broadcast multiply by ones instead of the per-element index arithmetic of the
 *   stock kernel (batch-norm and reduction gradients tile a lot).
 *
 * Kernels receive TensorInfos and must return a TensorInfo. Returning a Tensor is allowed (the
 * engine uses it as the output as is); every intermediate is freed by `tf.tidy`, and the ops
 * inside a kernel are not recorded on the gradient tape (the engine stops the tape while a
 * kernel runs), so gradients of these kernels come from the kernels' own gradient definitions.
 *
 * Only NHWC and dilation 1 are handled (the only case tfjs's conv gradients use); anything else
 * goes to the stock kernel where one exists, or throws a clear error.
 */

const BACKEND = 'wasm';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}
interface FilterGradAttrs extends ConvGradAttrs {
  filterShape: [number, number, number, number];
}
interface InputGradAttrs extends ConvGradAttrs {
  inputShape: [number, number, number, number];
}

/** The stock kernels this module replaced, kept for the cases it hands back (NCHW, bool tiles). */
const stock = new Map<string, tf.KernelConfig>();

function pair(v: [number, number] | number): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

/**
 * A Tensor for a kernel input. Ops hand kernels their Tensors, so this is nearly always the
 * input itself (never disposed here: it is not created inside the kernel's tidy).
 */
function asTensor<R extends tf.Rank>(info: tf.TensorInfo, backend: tf.KernelBackend): tf.Tensor<R> {
  if (info instanceof tf.Tensor) return info as tf.Tensor<R>;
  // A bare TensorInfo (a backend calling kernels directly): wrap it with its own reference, so
  // that the tidy's dispose of the wrapper balances the reference taken here.
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info, backend) as tf.Tensor<R>;
}

/**
 * Crops (negative pad) or zero-pads (positive pad) rows and columns of an NHWC tensor, so that a
 * convolution can take the remaining, non-negative pads as explicit padding.
 * Returns the cropped tensor and the explicit padding to use with it.
 */
function cropForPads(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): { x: tf.Tensor4D; pad: tf.backend_util.ExplicitPadding } | null {
  const [n, h, w, c] = x.shape;
  const cropT = Math.max(0, -top);
  const cropB = Math.max(0, -bottom);
  const cropL = Math.max(0, -left);
  const cropR = Math.max(0, -right);
  const rows = h - cropT - cropB;
  const cols = w - cropL - cropR;
  if (rows <= 0 || cols <= 0) return null;
  const cropped = cropT + cropB + cropL + cropR === 0 ? x : tf.slice(x, [0, cropT, cropL, 0], [n, rows, cols, c]);
  const pad: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ];
  return { x: cropped, pad };
}

function convInfo(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  a: ConvGradAttrs,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode as Rounding,
    false,
    'channelsLast',
  );
}

/**
 * dW[i, j, c, o] = Σ_{b, y, x} xPadded[b, y·sh + i, x·sw + j, c] · dy[b, y, x, o]
 * as one stride-1 convolution with dilation (sh, sw): input xPadded as [c, H, W, b], filter dy
 * as [outH, outW, b, o]; its output [c, kH, kW, o] is dW with the first axis moved.
 */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, attrs: FilterGradAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, ci, co] = attrs.filterShape;
    const [sh, sw] = pair(attrs.strides);
    const { padInfo } = convInfo(x.shape, attrs.filterShape, attrs);
    const [, oh, ow] = dy.shape;
    // Padded rows the convolution reads: exactly kH outputs come out of these many.
    const extentH = kh + (oh - 1) * sh;
    const extentW = kw + (ow - 1) * sw;
    const crop = cropForPads(
      x,
      padInfo.top,
      extentH - padInfo.top - x.shape[1],
      padInfo.left,
      extentW - padInfo.left - x.shape[2],
    );
    if (crop === null) return tf.zeros([kh, kw, ci, co]);
    const xT = tf.transpose(crop.x, [3, 1, 2, 0]);
    const dyT = tf.transpose(dy, [1, 2, 0, 3]);
    const g = tf.conv2d(xT, dyT, 1, crop.pad, 'NHWC', [sh, sw]);
    return tf.transpose(g, [1, 2, 0, 3]);
  });
}

/**
 * The s·s phase filters of a stride-s input gradient, side by side in the output channels:
 * [kH, kW, inC, outC] → [tH, tW, outC, sh·sw·inC] with t = ceil(k / s), where
 * G[t', u', o, (rh, rw, c)] = W[rh + sh·(tH−1−t'), rw + sw·(tW−1−u'), c, o] (0 past the kernel).
 */
function phaseFilter(w: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  const [kh, kw, ci, co] = w.shape;
  const th = Math.ceil(kh / sh);
  const tw = Math.ceil(kw / sw);
  if (sh === 1 && sw === 1) return tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]);
  const padded = kh === th * sh && kw === tw * sw ? w : tf.pad(w, [[0, th * sh - kh], [0, tw * sw - kw], [0, 0], [0, 0]]);
  const split = tf.reshape(padded, [th, sh, tw, sw, ci, co]);
  const flipped = tf.reverse(split, [0, 2]);
  return tf.reshape(tf.transpose(flipped, [0, 2, 5, 1, 3, 4]), [th, tw, co, sh * sw * ci]);
}

/** [n, h, w, sh·sw·c] with channels (rh, rw, c) → [n, h·sh, w·sw, c]. */
function interleavePhases(y: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  const [n, h, w, depth] = y.shape;
  const c = depth / (sh * sw);
  if (sh === 1 && sw === 1) return y;
  if (sh === sw) return tf.depthToSpace(y, sh, 'NHWC');
  const six = tf.reshape(y, [n, h, w, sh, sw, c]);
  return tf.reshape(tf.transpose(six, [0, 1, 3, 2, 4, 5]), [n, h * sh, w * sw, c]);
}

/**
 * dx of a stride-s convolution. Padded position u = s·q + r receives
 * Σ_t dy[q − t] · W[r + s·t], a stride-1 convolution of dy per phase r; all phases run at once
 * (see phaseFilter), then the phases are interleaved and the padding is cut off.
 */
export function conv2dInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, attrs: InputGradAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, wd, ci] = attrs.inputShape;
    const [kh, kw] = w.shape;
    const [sh, sw] = pair(attrs.strides);
    const { padInfo } = convInfo(attrs.inputShape, w.shape, attrs);
    const th = Math.ceil(kh / sh);
    const tw = Math.ceil(kw / sw);
    // Phase rows q0..q1 cover the padded rows pad.top .. pad.top + h − 1.
    const q0h = Math.floor(padInfo.top / sh);
    const q0w = Math.floor(padInfo.left / sw);
    const rows = Math.floor((padInfo.top + h - 1) / sh) - q0h + 1;
    const cols = Math.floor((padInfo.left + wd - 1) / sw) - q0w + 1;
    const [, oh, ow] = dy.shape;
    const top = th - 1 - q0h;
    const left = tw - 1 - q0w;
    const crop = cropForPads(dy, top, rows - oh - top + th - 1, left, cols - ow - left + tw - 1);
    if (crop === null) return tf.zeros(attrs.inputShape);
    const phases = tf.conv2d(crop.x, phaseFilter(w, sh, sw), 1, crop.pad, 'NHWC');
    const full = interleavePhases(phases, sh, sw);
    const offH = padInfo.top - q0h * sh;
    const offW = padInfo.left - q0w * sw;
    if (offH === 0 && offW === 0 && full.shape[1] === h && full.shape[2] === wd) return full;
    return tf.slice(full, [0, offH, offW, 0], [n, h, wd, ci]);
  });
}

/** Tile as a broadcast: x reshaped to [1, d0, 1, d1, …] times ones [r0, d0, r1, d1, …]. */
export function tileByBroadcast(x: tf.Tensor, reps: number[]): tf.Tensor {
  return tf.tidy(() => {
    const xShape: number[] = [];
    const wide: number[] = [];
    const out: number[] = [];
    x.shape.forEach((d, i) => {
      const r = reps[i] ?? 1;
      if (r > 1) {
        xShape.push(1);
        wide.push(r);
      }
      xShape.push(d);
      wide.push(d);
      out.push(d * r);
    });
    const ones = tf.ones(wide, x.dtype);
    return tf.reshape(tf.mul(tf.reshape(x, xShape), ones), out);
  });
}

function handBack(name: string, args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] {
  const original = stock.get(name);
  if (original === undefined) {
    throw new Error(`wasm-kernels: ${name} with these attributes has no WASM implementation`);
  }
  return original.kernelFunc(args);
}

const filterGradKernel: tf.KernelFunc = (args) => {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as FilterGradAttrs;
  if (attrs.dataFormat === 'NCHW') return handBack('Conv2DBackpropFilter', args);
  const be = backend as tf.KernelBackend;
  return conv2dFilterGrad(asTensor<tf.Rank.R4>(inputs.x!, be), asTensor<tf.Rank.R4>(inputs.dy!, be), attrs);
};

const inputGradKernel: tf.KernelFunc = (args) => {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as InputGradAttrs;
  if (attrs.dataFormat === 'NCHW') return handBack('Conv2DBackpropInput', args);
  const be = backend as tf.KernelBackend;
  return conv2dInputGrad(asTensor<tf.Rank.R4>(inputs.dy!, be), asTensor<tf.Rank.R4>(inputs.filter!, be), attrs);
};

const tileKernel: tf.KernelFunc = (args) => {
  const x = args.inputs.x!;
  const { reps } = args.attrs as unknown as { reps: number[] };
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return handBack('Tile', args);
  return tileByBroadcast(asTensor(x, args.backend as tf.KernelBackend), reps);
};

const KERNELS: ReadonlyArray<{ name: string; func: tf.KernelFunc }> = [
  { name: 'Conv2DBackpropFilter', func: filterGradKernel },
  { name: 'Conv2DBackpropInput', func: inputGradKernel },
  { name: 'Tile', func: tileKernel },
];

/**
 * Registers the training kernels for the 'wasm' backend. Idempotent. Call it after
 * `await tf.setBackend('wasm')`, or before: the stock kernels' setup functions are carried over,
 * so a backend initialised later still sets up the kernels this module hands work back to.
 */
export function registerWasmTrainingKernels(): void {
  for (const { name, func } of KERNELS) {
    const current = tf.getKernel(name, BACKEND);
    if (current?.kernelFunc === func) continue;
    if (current !== undefined) {
      stock.set(name, current);
      tf.unregisterKernel(name, BACKEND);
    }
    const config: tf.KernelConfig = { kernelName: name, backendName: BACKEND, kernelFunc: func };
    if (current?.setupFunc !== undefined) config.setupFunc = current.setupFunc;
    tf.registerKernel(config);
  }
}

/** True when the 'wasm' backend has every kernel that training a conv net needs. */
export function wasmCanTrain(): boolean {
  return KERNELS.every(({ name, func }) => tf.getKernel(name, BACKEND)?.kernelFunc === func);
}

type Listener = (...args: unknown[]) => unknown;
interface ProcessLike {
  listeners(event: string): Listener[];
  removeListener(event: string, listener: Listener): unknown;
}
const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;
/** The two handlers emscripten's Node glue installs: both rethrow, so any error kills the process. */
const EMSCRIPTEN_HANDLER = /^function\s*\((reason|ex)\)\s*\{\s*(throw reason|if\s*\(!\(ex instanceof ExitStatus\)\))/;

/** Node's `process`, found structurally: this file is built without Node types. */
function nodeProcess(): ProcessLike | undefined {
  const p = (globalThis as { process?: Partial<ProcessLike> }).process;
  return typeof p?.listeners === 'function' && typeof p.removeListener === 'function' ? (p as ProcessLike) : undefined;
}

/**
 * Removes the `uncaughtException` / `unhandledRejection` handlers that the WASM backend's
 * emscripten glue adds to Node's `process` when the backend starts. They rethrow, which turns
 * any rejected promise (a failing test, a missing kernel) into a dead process instead of a
 * reported error. Removes the listeners in `added` and any listener with emscripten's source.
 * No-op outside Node.
 */
export function releaseEmscriptenProcessHandlers(before?: ReadonlyMap<string, Listener[]>): void {
  const proc = nodeProcess();
  if (proc === undefined) return;
  for (const event of PROCESS_EVENTS) {
    const old = before?.get(event);
    for (const listener of proc.listeners(event)) {
      const added = old !== undefined && !old.includes(listener);
      if (added || EMSCRIPTEN_HANDLER.test(String(listener))) proc.removeListener(event, listener);
    }
  }
}

/**
 * Switches tfjs to the WASM backend and makes it able to train: registers the kernels above and,
 * in Node, removes the process handlers emscripten adds (see releaseEmscriptenProcessHandlers).
 * In a browser, call `setWasmPaths` from '@tensorflow/tfjs-backend-wasm' first. Returns false
 * when the backend did not start (tfjs then keeps the previous backend).
 */
export async function setWasmBackendForTraining(): Promise<boolean> {
  const proc = nodeProcess();
  const before = new Map(PROCESS_EVENTS.map((e) => [e, proc?.listeners(e) ?? []] as const));
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
    await tf.ready();
  } finally {
    releaseEmscriptenProcessHandlers(before);
  }
  if (ok) registerWasmTrainingKernels();
  return ok && tf.getBackend() === 'wasm';
}
