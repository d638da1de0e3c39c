import * as tf from '@tensorflow/tfjs';
import { installDawn, type Dawn } from '../../bench/dawn.ts';
import { registerWebGpuTrainingKernels } from '../../src/gan/backend/webgpu-kernels.ts';

/**
 * Inside a Dawn check's child process (tests/helpers/dawn-check.ts starts it): tfjs's WebGPU
 * backend on Dawn for Node, with Ganvas's training kernels registered as the Worker registers
 * them. Returns Dawn's handle (adapter name, dispatch counters).
 */
export async function startWebGpuOnDawn(): Promise<Dawn> {
  const dawn = await installDawn();
  await import('@tensorflow/tfjs-backend-webgpu');
  tf.env().set('IS_NODE', true);
  if (!(await tf.setBackend('webgpu'))) throw new Error('webgpu did not start');
  registerWebGpuTrainingKernels();
  return dawn;
}
