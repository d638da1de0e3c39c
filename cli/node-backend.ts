/** tfjs backends for Node: the plain CPU backend, or WASM with our training kernels. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { startWasmInNode } from './node-wasm.ts';

export type NodeBackend = 'cpu' | 'wasm';

export async function useNodeBackend(name: NodeBackend): Promise<void> {
  // tfjs prints an advert for tfjs-node on first use; it does not install here (no downloads).
  tf.env().set('IS_NODE', true);
  if (name === 'wasm') {
    if (!(await startWasmInNode())) throw new Error('the WASM backend did not start');
  } else if (!(await tf.setBackend('cpu'))) throw new Error('the CPU backend did not start');
  await tf.ready();
}
