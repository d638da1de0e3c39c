import * as tf from '@tensorflow/tfjs';

/**
 * Training kernels for the tfjs WASM backend.
 *
 * `@tensorflow/tfjs-backend-wasm` 4.22 has no `Conv2DBackpropFilter`, so no conv net can train on
 * it; its `Conv2DBackpropInput` (also the forward pass of every transposed convolution) is a
 * plain C++ loop, while its `Conv2D` runs on XNNPACK. The kernels here move the arithmetic into
 * that fast `Conv2D` (all numbers: DCGAN 32×32, batch 32, 2-core EPYC, see
 * bench/bench-wasm-kernels.ts):
 *
 * - `Conv2DBackpropFilter`: the filter gradient of a stride-s convolution is itself a
 *   convolution: the padded input as [inC, H, W, batch], convolved with dy as
 *   [outH, outW, batch, outC] dilated by s, gives [inC, kH, kW, outC].
 * - `Conv2DBackpropInput`: a stride-s input gradient splits into s×s phases, each a stride-1
 *   convolution of dy with a flipped sub-filter; phases that line up share one convolution, and
 *   a JS pass interleaves them into dx. 3–9× faster than the stock kernel.
 * - `Tile`: a broadcast add of zeros (stock: 15–40× slower).
 * - `BatchMatMul`, `_FusedMatMul` with transposed operands (every dense layer's gradient):
 *   transpose first, then the fast path (stock: 2–25× slower).
 * - `LeakyRelu`: x · step(x, α) (stock: 6× slower).
 *
 * Kernels receive TensorInfos and must return a TensorInfo. Returning a Tensor is allowed (the
 * engine uses it as the output as is); every intermediate is freed by `tf.tidy`, and the ops
 * inside a kernel are not recorded on the gradient tape (the engine stops the tape while a
 * kernel runs), so gradients of these kernels come from the kernels' own gradient definitions.
 * The small JS passes read tensors with dataSync(), a plain copy out of WASM memory.
 *
 * Only NHWC and dilation 1 are handled (the only case tfjs's conv gradients use); anything else
 * goes to the stock kernel where one exists, or throws a clear error.
 */

const BACKEND = 'wasm';

interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}
interface FilterGradAttrs extends ConvGradAttrs {
  filterShape: [number, number, number, number];
}
interface InputGradAttrs extends ConvGradAttrs {
  inputShape: [number, number, number, number];
}

/** The stock kernels this module replaced, kept for the cases it hands back (NCHW, bool tiles, …). */
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
 * Padding for a convolution that must read exactly the given rows and columns: negative pads
 * become crops of x, the rest explicit zero padding. Null when nothing of x is left.
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

function convInfo(xShape: [number, number, number, number], filterShape: [number, number, number, number], a: ConvGradAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
}

/**
 * dW[i, j, c, o] = Σ_{b, y, x} xPadded[b, y·sh + i, x·sw + j, c] · dy[b, y, x, o]
 * as one stride-1 convolution with dilation (sh, sw): input xPadded as [c, H, W, b], filter dy
 * as [outH, outW, b, o]; its output [c, kH, kW, o] is dW with the first axis moved.
 */
function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, attrs: FilterGradAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, ci, co] = attrs.filterShape;
    const [sh, sw] = pair(attrs.strides);
    const { padInfo } = convInfo(x.shape, attrs.filterShape, attrs);
    const [, oh, ow] = dy.shape;
    // Padded rows the convolution reads: exactly kH outputs come out of these many.
    const extentH = kh + (oh - 1) * sh;
    const extentW = kw + (ow - 1) * sw;
    const crop = cropForPads(x, padInfo.top, extentH - padInfo.top - x.shape[1], padInfo.left, extentW - padInfo.left - x.shape[2]);
    if (crop === null) return tf.zeros([kh, kw, ci, co]);
    const xT = tf.transpose(crop.x, [3, 1, 2, 0]);
    const dyT = tf.transpose(dy, [1, 2, 0, 3]);
    const g = tf.conv2d(xT, dyT, 1, crop.pad, 'NHWC', [sh, sw]);
    return tf.transpose(g, [1, 2, 0, 3]);
  });
}

/**
 * Input gradient along one axis of a stride-s convolution (pad `pad` before, kernel k, input
 * size `size`). Output position p = s·i + r is phase r; it reads taps W[m + s·t] (m = (r + pad)
 * mod s) against dy[i + carry − t] (carry = floor((r + pad) / s)). A group of phases is one
 * stride-1 convolution whose output row j holds, for each phase, dx row s·(j − offset) + r.
 * Phases with the same carry line up exactly (offset 0); merging all phases into one group
 * costs a row of padding per phase but gives one convolution with s× the output channels,
 * which pays when the channel count is small.
 */
interface PhaseGroup {
  /** dy-aligned index of the convolution's first output row */
  first: number;
  phases: { r: number; m: number; rows: number; offset: number }[];
  /** taps of the group's sub-filter */
  taps: number;
  /** output rows of the group's convolution */
  rows: number;
}

function phaseGroups(size: number, k: number, s: number, pad: number, merge: boolean): PhaseGroup[] {
  const phases = Array.from({ length: Math.min(s, size) }, (_, r) => ({
    r,
    m: (r + pad) % s,
    carry: Math.floor((r + pad) / s),
    rows: Math.ceil((size - r) / s),
  }));
  const keys = merge ? [0] : [...new Set(phases.map((p) => p.carry))];
  return keys
    .map((key) => {
      const members = phases.filter((p) => merge || p.carry === key);
      const first = Math.min(...members.map((p) => p.carry));
      const group = members.map((p) => ({ r: p.r, m: p.m, rows: p.rows, offset: p.carry - first }));
      return {
        first,
        phases: group,
        taps: Math.max(...group.map((p) => Math.ceil((k - p.m) / s))),
        rows: Math.max(...group.map((p) => p.offset + p.rows)),
      };
    })
    .filter((g) => g.taps > 0);
}

/**
 * Sub-filter of a group pair, [tapsH, tapsW, outC, phasesH·phasesW·inC], from W [kH, kW, inC,
 * outC] (read once into `w`): G[a, b, o, (ph, pw, c)] = W[mh + sh·(tapsH−1−a), mw + sw·(tapsW−1−b), c, o].
 */
function groupFilter(w: Float32Array, shape: number[], gh: PhaseGroup, gw: PhaseGroup, sh: number, sw: number): tf.Tensor4D {
  const [kh, kw, ci, co] = shape as [number, number, number, number];
  const nw = gw.phases.length;
  const depth = gh.phases.length * nw * ci;
  const g = new Float32Array(gh.taps * gw.taps * co * depth);
  for (let a = 0; a < gh.taps; a++) {
    for (let ih = 0; ih < gh.phases.length; ih++) {
      const i = gh.phases[ih]!.m + sh * (gh.taps - 1 - a);
      if (i >= kh) continue;
      for (let b = 0; b < gw.taps; b++) {
        for (let iw = 0; iw < nw; iw++) {
          const j = gw.phases[iw]!.m + sw * (gw.taps - 1 - b);
          if (j >= kw) continue;
          const src = (i * kw + j) * ci * co;
          const dst = (a * gw.taps + b) * co * depth + (ih * nw + iw) * ci;
          for (let c = 0; c < ci; c++) {
            for (let o = 0; o < co; o++) g[dst + o * depth + c] = w[src + c * co + o]!;
          }
        }
      }
    }
  }
  return tf.tensor4d(g, [gh.taps, gw.taps, co, depth]);
}

/** Writes a group's convolution output [n, rows, cols, (ph, pw, c)] to its phases in dx. */
function scatterPhases(y: Float32Array, yShape: number[], dx: Float32Array, dxShape: number[], gh: PhaseGroup, gw: PhaseGroup, sh: number, sw: number): void {
  const [n, rows, cols, depth] = yShape as [number, number, number, number];
  const [, h, wd, ci] = dxShape as [number, number, number, number];
  const nw = gw.phases.length;
  for (let b = 0; b < n; b++) {
    for (let ih = 0; ih < gh.phases.length; ih++) {
      const ph = gh.phases[ih]!;
      for (let i = 0; i < ph.rows; i++) {
        const rowOut = (b * h + sh * i + ph.r) * wd;
        const rowIn = (b * rows + i + ph.offset) * cols * depth + ih * nw * ci;
        for (let iw = 0; iw < nw; iw++) {
          const pw = gw.phases[iw]!;
          let src = rowIn + iw * ci + pw.offset * depth;
          let o = (rowOut + pw.r) * ci;
          const step = sw * ci;
          for (let j = 0; j < pw.rows; j++, src += depth, o += step) {
            if (ci >= 16) dx.set(y.subarray(src, src + ci), o);
            else for (let c = 0; c < ci; c++) dx[o + c] = y[src + c]!;
          }
        }
      }
    }
  }
}

/**
 * dx of a stride-s convolution (= a transposed convolution): one stride-1 convolution of dy per
 * phase group (see phaseGroups), on the fast Conv2D, then the phases are interleaved into dx.
 * Stride 1 is a single group whose output is dx itself (dy convolved with the flipped filter).
 */
function conv2dInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, attrs: InputGradAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const shape = attrs.inputShape;
    const [kh, kw] = w.shape;
    const [sh, sw] = pair(attrs.strides);
    const { padInfo } = convInfo(shape, w.shape, attrs);
    // Measured (DCGAN shapes, batch 32): merged phases are 2× faster at 3 channels, even at 8, slower from 16.
    const merge = shape[3] * sh * sw <= 16;
    const groupsH = phaseGroups(shape[1], kh, sh, padInfo.top, merge);
    const groupsW = phaseGroups(shape[2], kw, sw, padInfo.left, merge);
    const wData = w.dataSync() as Float32Array;
    const [, oh, ow] = dy.shape;
    const single = sh === 1 && sw === 1;
    const dx = single ? null : new Float32Array(tf.util.sizeFromShape(shape));
    for (const gh of groupsH) {
      for (const gw of groupsW) {
        const top = gh.taps - 1 - gh.first;
        const left = gw.taps - 1 - gw.first;
        const crop = cropForPads(dy, top, gh.rows - oh - top + gh.taps - 1, left, gw.rows - ow - left + gw.taps - 1);
        if (crop === null) continue;
        const y = tf.conv2d(crop.x, groupFilter(wData, w.shape, gh, gw, sh, sw), 1, crop.pad, 'NHWC');
        if (dx === null) return y;
        scatterPhases(y.dataSync() as Float32Array, y.shape, dx, shape, gh, gw, sh, sw);
      }
    }
    return dx === null ? tf.zeros(shape) : tf.tensor4d(dx, shape);
  });
}

/**
 * Tile as a broadcast: x reshaped to [1, d0, 1, d1, …] plus zeros [r0, d0, r1, d1, …], with axes
 * of size 1 dropped and neighbours of the same kind merged (XNNPACK broadcasts up to 6-D only).
 */
function tileByBroadcast(x: tf.Tensor, reps: number[]): tf.Tensor {
  return tf.tidy(() => {
    // Axes of the broadcast as [size in x, size in the result]; a repeat is [1, r].
    const axes: [number, number][] = [];
    const push = (inX: number, out: number): void => {
      if (out === 1) return;
      const last = axes[axes.length - 1];
      const sameKind = last !== undefined && (last[0] === 1) === (inX === 1);
      if (sameKind) axes[axes.length - 1] = [last[0] * inX, last[1] * out];
      else axes.push([inX, out]);
    };
    x.shape.forEach((d, i) => {
      push(1, reps[i] ?? 1);
      push(d, d);
    });
    const outShape = x.shape.map((d, i) => d * (reps[i] ?? 1));
    // tf.fill runs in the backend; tf.zeros and tf.ones fill a JS array and upload it (4× slower).
    const zeros = tf.fill(
      axes.map((a) => a[1]),
      0,
      x.dtype,
    );
    return tf.reshape(
      tf.add(
        tf.reshape(
          x,
          axes.map((a) => a[0]),
        ),
        zeros,
      ),
      outShape,
    );
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

/**
 * The stock wasm matmul multiplies transposed operands through a slow path (10–30× slower; every
 * dense layer's gradient asks for aᵀ·dy and dy·bᵀ). Transposing explicitly first is cheap.
 */
function matMulKernel(name: string): tf.KernelFunc {
  return (args) => {
    const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const original = stock.get(name)!;
    if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
    const be = args.backend as tf.KernelBackend;
    const swapLast = (t: tf.TensorInfo): tf.Tensor => {
      const r = t.shape.length;
      return tf.transpose(asTensor(t, be), [...Array(r - 2).keys(), r - 1, r - 2]);
    };
    const inputs = { ...args.inputs };
    const temps: tf.Tensor[] = [];
    if (attrs.transposeA) temps.push((inputs.a = swapLast(inputs.a!)));
    if (attrs.transposeB) temps.push((inputs.b = swapLast(inputs.b!)));
    try {
      return original.kernelFunc({ ...args, inputs, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    } finally {
      tf.dispose(temps);
    }
  };
}

/** LeakyRelu as x · step(x, α) (1 where x > 0, else α): the same products, 10× faster here. */
const leakyReluKernel: tf.KernelFunc = (args) => {
  const x = args.inputs.x!;
  const { alpha } = args.attrs as unknown as { alpha: number };
  if (x.dtype !== 'float32') return handBack('LeakyRelu', args);
  const t = asTensor(x, args.backend as tf.KernelBackend);
  return tf.tidy(() => tf.mul(t, tf.step(t, alpha)));
};

const KERNELS: ReadonlyArray<{ name: string; func: tf.KernelFunc }> = [
  { name: 'Conv2DBackpropFilter', func: filterGradKernel },
  { name: 'Conv2DBackpropInput', func: inputGradKernel },
  { name: 'Tile', func: tileKernel },
  { name: 'BatchMatMul', func: matMulKernel('BatchMatMul') },
  { name: '_FusedMatMul', func: matMulKernel('_FusedMatMul') },
  { name: 'LeakyRelu', func: leakyReluKernel },
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
      // The first kernel seen is the stock one; a later one may be a wrapper around ours.
      if (!stock.has(name)) stock.set(name, current);
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

/**
 * Switches tfjs to the WASM backend and makes it able to train: registers the kernels above.
 * In a browser, call `setWasmPaths` from '@tensorflow/tfjs-backend-wasm' first; in Node, start it
 * through cli/node-wasm.ts, which also undoes what emscripten's glue does to the process. Returns
 * false when the backend did not start (tfjs then keeps the previous backend).
 */
export async function setWasmBackendForTraining(): Promise<boolean> {
  const ok = await tf.setBackend('wasm');
  await tf.ready();
  if (ok) registerWasmTrainingKernels();
  return ok && tf.getBackend() === 'wasm';
}
