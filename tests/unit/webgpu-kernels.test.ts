import { describe, expect, it } from 'vitest';
import { dawnMissing, relativeError, runDawnCheck, warnIfSkipped } from '../helpers/dawn-check.ts';

/**
 * Our WGSL kernels (src/gan/backend/webgpu-kernels.ts) against tfjs's CPU backend: fused Adam
 * against Adam's unfused tf-ops update, fused batch norm (forward and gradients) against tfjs's
 * own tf.moments + tf.batchNorm, on random shapes. They run on Dawn for Node (the optional
 * dependency `webgpu`) with Chromium's SwiftShader Vulkan driver, in a child process
 * (tests/helpers/webgpu-fused-check.ts) because the Vulkan loader is found through
 * LD_LIBRARY_PATH, which only a new process reads. Skipped, and says so, when either is missing.
 */
warnIfSkipped('webgpu-kernels');

interface Check {
  adapter: string;
  reference: { name: string; data: number[][] }[];
  fused: { name: string; data: number[][] }[];
  adamKernels: string[];
  adamPairKernels: string[];
  bnKernels: string[];
  bnActKernels: string[];
  leakyKernels: string[];
  lossKernels: string[];
  tanhKernels: string[];
  biasLeakyKernels: string[];
  training: Record<'dcgan' | 'stylegan', Record<'shared' | 'cloned', { state: number[][]; identities: number }>>;
  selfCheck: string;
  leaked: number;
}

describe.skipIf(dawnMissing !== undefined)('fused WebGPU kernels on Dawn + SwiftShader', { timeout: 540_000 }, () => {
  const run = (): Check | Error => runDawnCheck<Check>('tests/helpers/webgpu-fused-check.ts', 480_000);
  let check: Check | Error | undefined;
  /** One child run for all the tests (~2 min on 2 cores, 4 or more under load), its failure reported by each. */
  const result = (): Check => {
    check ??= run();
    if (check instanceof Error) throw check;
    return check;
  };

  it('runs on a WebGPU adapter and leaks no tensor', () => {
    const c = result();
    expect(c.adapter).toMatch(/swiftshader/i);
    expect(c.leaked).toBe(0);
  });

  it('passes the start-up self-check the Worker runs before training on WebGPU', () => {
    expect(result().selfCheck).toBe('ok');
  });

  it('updates one parameter with one GanvasAdam kernel and two with one GanvasAdamPair, equal to the unfused Adam to float32 rounding', () => {
    const c = result();
    expect(c.adamKernels).toEqual(['GanvasAdam']);
    expect(c.adamPairKernels).toEqual(['GanvasAdamPair', 'GanvasAdam']);
    const adam = c.reference.filter((r) => r.name.startsWith('adam'));
    expect(adam.map((r) => r.data.length)).toEqual([3, 3, 3, 3, 3, 15, 8]);
    for (const ref of adam) {
      const ours = c.fused.find((f) => f.name === ref.name)!;
      // Every parameter and moment (the shared-buffer case's last two are its clone, below).
      ref.data
        .slice(0, ref.name === 'adam shared buffer' ? 6 : undefined)
        .forEach((values, k) => expect(relativeError(values, ours.data[k]!), `${ref.name} output ${k}`).toBeLessThan(1e-6));
    }
  });

  it('leaves a clone of the parameter untouched (shared buffers are copied, not written), in a pair too', () => {
    const shared = result().fused.find((f) => f.name === 'adam shared buffer')!;
    const [p, before, after] = [shared.data[3]!, shared.data[6]!, shared.data[7]!];
    expect(after).toEqual(before);
    expect(relativeError(before, p)).toBeGreaterThan(1e-3);
  });

  it('computes batch norm and its gradients (dx, dγ, dβ) as tfjs does', () => {
    const c = result();
    const bn = c.reference.filter((r) => r.name.startsWith('batch norm') && !r.name.includes('leaky'));
    expect(bn.length).toBe(4);
    expect(c.bnKernels).toContain('GanvasBatchNormForward');
    expect(c.bnKernels).toContain('GanvasBatchNormBackward');
    expect(c.bnKernels).not.toContain('Mean');
    for (const ref of bn) {
      const ours = c.fused.find((f) => f.name === ref.name)!;
      expect(ours.data.length).toBe(4);
      ref.data.forEach((values, k) => expect(relativeError(values, ours.data[k]!), `${ref.name} output ${k}`).toBeLessThan(1e-6));
    }
  });

  it('computes batch norm followed by leaky ReLU or ReLU, and its gradients, in the batch norm kernels alone', () => {
    const c = result();
    expect(c.bnActKernels).toContain('GanvasBatchNormForward');
    expect(c.bnActKernels).toContain('GanvasBatchNormBackward');
    expect(c.bnActKernels).not.toContain('LeakyRelu');
    expect(c.bnActKernels).not.toContain('GanvasLeakyReluGrad');
    const bn = c.reference.filter((r) => r.name.startsWith('batch norm + leaky'));
    expect(bn.length).toBe(3);
    for (const ref of bn) {
      const ours = c.fused.find((f) => f.name === ref.name)!;
      expect(ours.data.length).toBe(4);
      ref.data.forEach((values, k) => expect(relativeError(values, ours.data[k]!), `${ref.name} output ${k}`).toBeLessThan(1e-6));
    }
  });

  it("computes leaky ReLU's gradient, and a gradient of that gradient, with one kernel each", () => {
    const c = result();
    expect(c.leakyKernels).toContain('GanvasLeakyReluGrad');
    expect(c.leakyKernels).not.toContain('Select');
    const leaky = c.reference.filter((r) => r.name.startsWith('leaky relu'));
    expect(leaky.length).toBe(2);
    for (const ref of leaky) {
      const ours = c.fused.find((f) => f.name === ref.name)!;
      ref.data.forEach((values, k) => expect(relativeError(values, ours.data[k]!), `${ref.name} output ${k}`).toBeLessThan(1e-6));
    }
  });

  it('adds a bias and applies leaky ReLU in one kernel, with its gradients (x, b), as tfjs Add + LeakyRelu', () => {
    const c = result();
    expect(c.biasLeakyKernels).toContain('GanvasBiasLeakyRelu');
    expect(c.biasLeakyKernels).not.toContain('LeakyRelu');
    expect(c.biasLeakyKernels).not.toContain('Add');
    const cases = c.reference.filter((r) => r.name.startsWith('bias leaky'));
    expect(cases.length).toBe(2);
    for (const ref of cases) {
      const ours = c.fused.find((f) => f.name === ref.name)!;
      expect(ours.data.length).toBe(3);
      ref.data.forEach((values, k) => expect(relativeError(values, ours.data[k]!), `${ref.name} output ${k}`).toBeLessThan(1e-6));
    }
  });

  it("computes tanh's gradient, and a gradient of it, as tfjs's formula does", () => {
    const c = result();
    expect(c.tanhKernels).toContain('GanvasTanhGrad');
    expect(c.tanhKernels).not.toContain('Sub'); // tfjs's formula: (1 − y²)·dy
    const tanh = c.reference.filter((r) => r.name.startsWith('tanh'));
    expect(tanh.length).toBe(2);
    for (const ref of tanh) {
      const ours = c.fused.find((f) => f.name === ref.name)!;
      ref.data.forEach((values, k) => expect(relativeError(values, ours.data[k]!), `${ref.name} output ${k}`).toBeLessThan(1e-6));
    }
  });

  it("computes the GAN losses, D(real), D(fake), Σ sign(D(real)) and the loss's gradient in one kernel each, as losses.ts's tf ops", () => {
    const c = result();
    expect(c.lossKernels.filter((k) => k.startsWith('Ganvas'))).toEqual(['GanvasGanLoss', 'GanvasGanLossGrad']);
    expect(c.lossKernels).not.toContain('Softplus');
    expect(c.lossKernels).not.toContain('Mean');
    const loss = c.reference.filter((r) => r.name.startsWith('gan loss'));
    expect(loss.length).toBe(4);
    for (const ref of loss) {
      const ours = c.fused.find((f) => f.name === ref.name)!;
      expect(ours.data.length, ref.name).toBe(ref.data.length);
      ref.data.forEach((values, k) => expect(relativeError(values, ours.data[k]!), `${ref.name} output ${k}`).toBeLessThan(1e-6));
    }
  });

  it.each(['dcgan', 'stylegan'] as const)(
    'trains %s (StyleGAN with R1: a gradient of a gradient) bit for bit as with tfjs Identity clones, without them',
    (model) => {
      const { shared, cloned } = result().training[model];
      expect(shared.state.length).toBeGreaterThan(10);
      expect(shared.state).toEqual(cloned.state);
      // tfjs clones every tensor a gradient saves (dozens a step). What is left: the lens's own
      // tf.clone (gan-round.ts) and, in StyleGAN, tfjs's AddN gradient (a dy.clone() per input).
      expect(cloned.identities).toBeGreaterThan(40);
      expect(shared.identities).toBeLessThan(model === 'dcgan' ? 5 : cloned.identities / 4);
    },
  );

  it('sums any number of terms with AddN (WebGPU binds 8 buffers a shader), so a snapshot with a NaN is caught', () => {
    const c = result();
    const sums = c.reference.filter((r) => r.name.startsWith('addN '));
    expect(sums.map((r) => r.name)).toEqual(['addN 2', 'addN 7', 'addN 8', 'addN 9', 'addN 48', 'addN 224']);
    for (const ref of sums) {
      const ours = c.fused.find((f) => f.name === ref.name)!;
      expect(relativeError(ref.data[0]!, ours.data[0]!), ref.name).toBeLessThan(1e-6);
    }
    // The divergence guard's check over a 60-tensor snapshot: clean (0), then one NaN (1).
    expect(c.fused.find((f) => f.name === 'non-finite snapshot')!.data).toEqual([[0, 1]]);
    expect(c.reference.find((f) => f.name === 'non-finite snapshot')!.data).toEqual([[0, 1]]);
  });
});
