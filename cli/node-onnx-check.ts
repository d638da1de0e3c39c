/**
 * Checks an ONNX generator (from `python3 -m ganvas_torch.export_onnx`) against Ganvas's own
 * generator on the same project: the grid's fixed latents through both, at several truncations,
 * and the largest pixel difference printed.
 *
 *   npx tsx cli/node-onnx-check.ts --project run.ganvas --onnx G.onnx [--psi 1,0.7,0.3]
 *
 * The ONNX side is ONNX Runtime's WebAssembly build (onnxruntime-web, a dev dependency), which runs
 * in Node as it does in a page: another engine than PyTorch's exporter and than tfjs. (onnxruntime-node
 * would need its install script to fetch binaries from outside the npm registry.)
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import { english } from '../src/contract/messages.ts';
import { GanTrainer } from '../src/gan/train/trainer.ts';
import { parseArgs } from './args.ts';
import { useNodeBackend } from './node-backend.ts';
import { openProjectFile } from './node-project.ts';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const [project, onnx] = ['project', 'onnx'].map((k) => args.get(k));
  if (!project || !onnx) throw new Error('usage: --project run.ganvas --onnx G.onnx [--psi 1,0.7,0.3]');
  ort.env.wasm.numThreads = 1;
  await useNodeBackend('cpu');
  const opened = await openProjectFile(project);
  if (!opened.dataset) throw new Error('the project carries no dataset');
  const trainer = new GanTrainer(opened.snapshot.config, opened.dataset);
  const problem = trainer.importState(opened.snapshot);
  if (problem) throw new Error(english(problem));
  const { gridSide, zDim, res } = opened.snapshot.config;
  const n = gridSide * gridSide;
  const session = await ort.InferenceSession.create(onnx);
  for (const psi of (args.get('psi') ?? '1,0.7,0.3').split(',').map(Number)) {
    const z = trainer.latents([...Array(n).keys()]);
    const zs = (await z.data()) as Float32Array;
    const ganvas = trainer.generate(z, psi);
    const want = (await ganvas.data()) as Float32Array;
    tf.dispose([z, ganvas]);
    const out = await session.run({ z: new ort.Tensor('float32', zs, [n, zDim]), psi: new ort.Tensor('float32', Float32Array.of(psi), [1]) });
    const got = out.images!.data as Float32Array;
    if (got.length !== want.length) throw new Error(`ONNX gave ${got.length} values, Ganvas ${want.length}`);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    console.log(JSON.stringify({ psi, images: n, res, maxAbsDifference: worst }));
  }
  trainer.dispose();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
