import * as tf from '@tensorflow/tfjs';

/**
 * Records our own WGSL compute shaders into tfjs-backend-webgpu's command stream.
 *
 * tfjs's `WebGPUProgram` interface (what `backend.runWebGPUProgram` runs) gives a shader one
 * output buffer and binds every input read-only. Our fused kernels need more: Adam writes the
 * parameter and both moments in place, batch norm's passes write two results at once. So they
 * do what `runWebGPUProgram`/`recordAndSubmit` do (tfjs 4.22), on the same device, encoder and
 * compute pass: inputs uploaded, bound tensors marked as owned by the queue (so tfjs defers
 * freeing them to the next submit), uniforms from tfjs's pooled uniform buffers, one dispatch in
 * the open pass, a submit every `WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE` dispatches, and timestamp
 * queries under `tf.time`/`tf.profile`. Dispatch order within a pass is execution order, so these
 * dispatches interleave correctly with tfjs's own.
 *
 * The fields used are internals of tfjs's `WebGPUBackend` (several private in its types): they are
 * checked by name once per backend (`checkInternals`), so a tfjs that renamed one fails loudly
 * with the names, and tests/unit/webgpu-kernels.test.ts exercises the whole path on Dawn.
 */

/** Threads per workgroup of every shader here (WebGPU's guaranteed minimum limit is 256). */
export const WORKGROUP = 256;
/** WebGPU's guaranteed `maxComputeWorkgroupsPerDimension`. */
const MAX_GROUPS = 65535;

interface BufferLike {
  size: number;
}
interface PassLike {
  setPipeline(p: unknown): void;
  setBindGroup(i: number, g: unknown): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}
interface EncoderLike {
  beginComputePass(d: object): PassLike;
  copyBufferToBuffer(src: BufferLike, srcOffset: number, dst: BufferLike, dstOffset: number, size: number): void;
}
interface PipelineLike {
  getBindGroupLayout(i: number): unknown;
}
interface DeviceLike {
  createShaderModule(d: { code: string }): unknown;
  createComputePipeline(d: object): PipelineLike;
  createBindGroup(d: object): unknown;
  createQuerySet(d: object): unknown;
}
export interface Uniform {
  type: 'float32' | 'int32' | 'uint32';
  data: number[];
}

/** The parts of tfjs-backend-webgpu 4.22's `WebGPUBackend` this module uses. */
export interface TfWebGpuBackend {
  device: DeviceLike;
  tensorMap: { get(id: tf.DataId): { resource?: unknown; refCount: number } | undefined };
  uploadToGPU(id: tf.DataId): void;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  makeUniforms(u: Uniform[]): { offset: number; size: number; buffer: unknown };
  incRef(id: tf.DataId): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  getQueryTime(): Promise<number>;
  commandEncoder: EncoderLike | null;
  computePassEncoder: PassLike | null;
  dispatchCountInPass: number;
  commandQueueOwnedIds: WeakSet<object>;
  activeTimers: { name: string; query: Promise<number> }[] | null | undefined;
  supportTimestampQuery: boolean;
  querySet: unknown;
  querySetCount: number;
}

const METHODS = [
  'uploadToGPU',
  'makeTensorInfo',
  'makeUniforms',
  'incRef',
  'ensureCommandEncoderReady',
  'endComputePassEncoder',
  'submitQueue',
  'getQueryTime',
];
const FIELDS = ['device', 'tensorMap', 'commandQueueOwnedIds', 'dispatchCountInPass', 'querySetCount', 'supportTimestampQuery'];
const checked = new WeakSet<object>();

/** The backend as the internals we use, or a loud error naming what this tfjs lacks. */
export function checkInternals(backend: unknown): TfWebGpuBackend {
  const be = backend as Record<string, unknown>;
  if (checked.has(be)) return backend as TfWebGpuBackend;
  const missing = [...METHODS.filter((m) => typeof be[m] !== 'function'), ...FIELDS.filter((f) => !(f in be))];
  if (missing.length)
    throw new Error(
      `webgpu-kernels: this tfjs-backend-webgpu lacks ${missing.join(', ')}; the fused kernels were written against 4.22 (src/gan/backend/webgpu-runner.ts)`,
    );
  checked.add(be);
  return backend as TfWebGpuBackend;
}

const pipelines = new WeakMap<object, Map<string, PipelineLike>>();

function pipelineFor(be: TfWebGpuBackend, code: string): PipelineLike {
  let cache = pipelines.get(be.device);
  if (!cache) pipelines.set(be.device, (cache = new Map()));
  let p = cache.get(code);
  if (!p) {
    p = be.device.createComputePipeline({ layout: 'auto', compute: { module: be.device.createShaderModule({ code }), entryPoint: 'main' } });
    cache.set(code, p);
  }
  return p;
}

function bufferOf(be: TfWebGpuBackend, t: tf.TensorInfo): BufferLike {
  be.uploadToGPU(t.dataId);
  return be.tensorMap.get(t.dataId)!.resource as BufferLike;
}

/** A new float32 tensor with its GPU buffer allocated (contents undefined until written). */
export function newOutput(be: TfWebGpuBackend, shape: number[]): tf.TensorInfo {
  const out = be.makeTensorInfo(shape, 'float32');
  be.uploadToGPU(out.dataId);
  return out;
}

/** True when another tensor shares `t`'s buffer (a clone, a snapshot): it must not be written in place. */
export function isShared(be: TfWebGpuBackend, t: tf.TensorInfo): boolean {
  return (be.tensorMap.get(t.dataId)?.refCount ?? 0) > 1;
}

/** A private copy of `t` (a copy command in the stream, between passes). */
export function copyOf(be: TfWebGpuBackend, t: tf.TensorInfo): tf.TensorInfo {
  const src = bufferOf(be, t);
  const out = newOutput(be, t.shape);
  be.ensureCommandEncoderReady();
  be.endComputePassEncoder();
  be.commandEncoder!.copyBufferToBuffer(src, 0, bufferOf(be, out), 0, src.size);
  be.commandQueueOwnedIds.add(t.dataId);
  be.commandQueueOwnedIds.add(out.dataId);
  return out;
}

/** The input itself (one more reference, written in place) or a private copy when shared. */
export function writable(be: TfWebGpuBackend, t: tf.TensorInfo): tf.TensorInfo {
  if (isShared(be, t)) return copyOf(be, t);
  be.incRef(t.dataId);
  return { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
}

/** Workgroups for `n` threads of WORKGROUP each, folded into y past the per-dimension limit. */
export function groupsFor(n: number): [number, number] {
  const groups = Math.max(1, Math.ceil(n / WORKGROUP));
  return groups <= MAX_GROUPS ? [groups, 1] : [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS)];
}

/**
 * One dispatch of `code` (a complete WGSL module whose entry point is `main`, with the tensors at
 * bindings 0…k−1 in order and a uniform struct at binding k) in tfjs's open compute pass.
 */
export function dispatch(be: TfWebGpuBackend, name: string, code: string, tensors: tf.TensorInfo[], uniforms: Uniform[], groups: [number, number]): void {
  const pipeline = pipelineFor(be, code);
  const entries: { binding: number; resource: unknown }[] = tensors.map((t, i) => ({ binding: i, resource: { buffer: bufferOf(be, t) } }));
  entries.push({ binding: tensors.length, resource: be.makeUniforms(uniforms) });
  for (const t of tensors) be.commandQueueOwnedIds.add(t.dataId);
  const bindGroup = be.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  const timing = be.activeTimers != null;
  be.ensureCommandEncoderReady();
  if (timing && be.supportTimestampQuery) {
    be.endComputePassEncoder();
    if (be.querySet == null) be.querySet = be.device.createQuerySet({ type: 'timestamp', count: be.querySetCount });
    be.computePassEncoder = be.commandEncoder!.beginComputePass({
      timestampWrites: { querySet: be.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
    });
  } else if (!be.computePassEncoder) {
    be.computePassEncoder = be.commandEncoder!.beginComputePass({});
  }
  const pass = be.computePassEncoder!;
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(groups[0], groups[1], 1);
  be.dispatchCountInPass++;
  if (timing || Number(tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE')) <= be.dispatchCountInPass) {
    be.endComputePassEncoder();
    if (timing) be.activeTimers!.push({ name, query: be.getQueryTime() });
    else be.submitQueue();
  }
}

/** Uniform values for `dispatch`. */
export const u32 = (n: number): Uniform => ({ type: 'uint32', data: [n] });
export const f32 = (x: number): Uniform => ({ type: 'float32', data: [x] });

/** Our kernels compute in f32 only: anything else is a caller's mistake, said by kernel name. */
export function requireFloat(name: string, ...ts: tf.TensorInfo[]): void {
  for (const t of ts) if (t.dtype !== 'float32') throw new Error(`${name}: float32 tensors only (got ${t.dtype})`);
}

/** WGSL: the flat index of this thread for a dispatch made with `groupsFor`. */
export const FLAT_INDEX = `let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;`;
export const MAIN_ELEMENTWISE = `@compute @workgroup_size(${WORKGROUP}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>)`;
/** WGSL: an entry point with one workgroup per channel (`wid.x`), its threads numbered `t`. */
export const MAIN_PER_CHANNEL = `@compute @workgroup_size(${WORKGROUP}) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32)`;

/** WGSL: workgroup-wide sums of `name[t]` into `name[0]`, for each array named, in one tree (every thread must reach it). */
export const workgroupSum = (...names: string[]) => `
  workgroupBarrier();
  for (var k = ${WORKGROUP / 2}u; k > 0u; k = k >> 1u) {
    if (t < k) {${names.map((n) => ` ${n}[t] = ${n}[t] + ${n}[t + k];`).join('')} }
    workgroupBarrier();
  }`;
