/**
 * Projection from the command line, on the same engine as the page:
 *   npm run project -- --project run.ganvas --target img.png --steps 300 --out DIR
 * writes DIR/<target>/reconstruction.png, target.png, latent.json and curve.json (the distance
 * per step), and prints the final distance beside the target's mirror-image distance and its
 * nearest training image. `--target` may repeat, and `train:N` names the run's Nth training
 * image; with several targets a Markdown table row per target is printed (docs/projection.md is
 * made from them), and `--ppl` measures the path length between consecutive projected latents
 * beside the path length between samples.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { english } from '../src/contract/messages.ts';
import { loadImages } from '../src/data/load.ts';
import { nodeDecoder } from '../src/data/node/decode.ts';
import { pngOf } from '../src/data/png.ts';
import { imageFromSet } from '../src/data/prepare.ts';
import { DEFAULT_PREPARE, type PreparedSet } from '../src/data/types.ts';
import { Projector, type ProjectedLatent, type ProjectionSpace } from '../src/gan/explore/projection.ts';
import { latentModelOf, PROJECTION_NOISE } from '../src/gan/explore/latent-model.ts';
import { NOISE_REGULARISE_WEIGHT } from '../src/gan/explore/projection-noise.ts';
import { D_FEATURE_BALANCE, D_FEATURE_BLOCKS, type ProjectionDistance } from '../src/gan/explore/projection-features.ts';
import { mirrorDistance, nearestTraining } from '../src/gan/explore/projection-report.ts';
import { pathLength, pathModelOf, pyramidDistances, summarize } from '../src/gan/metrics/ppl.ts';
import { Rng } from '../src/gan/nn/random.ts';
import { GanTrainer } from '../src/gan/train/trainer.ts';
import { useNodeBackend } from './node-backend.ts';
import { openProjectFile, ProjectFileError } from './node-project.ts';

const USAGE = `usage: npm run project -- --project run.ganvas --target img.png [--target train:3 …] [options]
  --project   a .ganvas project file (from the page or npm run train -- --save)
  --target    an image file, or train:N for the run's Nth training image; may repeat
  --steps     optimisation steps (default 300)
  --space     w|w+ for StyleGAN (default w+); DCGAN always searches z
  --noise-maps     0|1: StyleGAN: optimise the noise maps too, with NVlabs's regulariser (default 0)
  --noise-weight   the regulariser's weight (default 1e5, NVlabs's)
  --distance  pyramid|pyramid+d: what the search minimises (default pyramid); pyramid+d adds the
              frozen trained D's features; every distance printed is the pyramid distance alone
  --d-blocks  pyramid+d: D's blocks used, from the finest (default ${D_FEATURE_BLOCKS})
  --d-balance pyramid+d: the feature term's size against the pyramid distance at the start (default ${D_FEATURE_BALANCE})
  --out       the folder to write into (default out/projection)
  --ppl       pairs per path-length measurement between consecutive projected latents (0: off, default 0)
  --backend   wasm|cpu (default wasm)`;

interface Options {
  project: string;
  targets: string[];
  steps: number;
  space: ProjectionSpace;
  out: string;
  ppl: number;
  backend: 'wasm' | 'cpu';
  noiseMaps: boolean;
  noiseWeight: number;
  distance: ProjectionDistance;
  dBlocks: number;
  dBalance: number;
}

class UsageError extends Error {}

function readOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      project: { type: 'string' },
      target: { type: 'string', multiple: true },
      steps: { type: 'string', default: '300' },
      space: { type: 'string', default: 'w+' },
      out: { type: 'string', default: 'out/projection' },
      ppl: { type: 'string', default: '0' },
      backend: { type: 'string', default: 'wasm' },
      'noise-maps': { type: 'string', default: '0' },
      'noise-weight': { type: 'string', default: String(NOISE_REGULARISE_WEIGHT) },
      distance: { type: 'string', default: 'pyramid' },
      'd-blocks': { type: 'string', default: String(D_FEATURE_BLOCKS) },
      'd-balance': { type: 'string', default: String(D_FEATURE_BALANCE) },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) throw new UsageError(USAGE);
  const whole = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!(Number.isInteger(n) && n >= min)) throw new UsageError(`--${name} takes a whole number ≥ ${min} (got "${v}")`);
    return n;
  };
  if (!values.project) throw new UsageError(`--project is required\n${USAGE}`);
  if (!values.target?.length) throw new UsageError(`--target is required\n${USAGE}`);
  if (values.space !== 'w' && values.space !== 'w+') throw new UsageError(`--space takes w or w+ (got "${values.space}")`);
  if (values['noise-maps'] !== '0' && values['noise-maps'] !== '1') throw new UsageError(`--noise-maps takes 0 or 1 (got "${values['noise-maps']}")`);
  const noiseWeight = Number(values['noise-weight']);
  if (!(Number.isFinite(noiseWeight) && noiseWeight >= 0)) throw new UsageError(`--noise-weight takes a number ≥ 0 (got "${values['noise-weight']}")`);
  if (values.distance !== 'pyramid' && values.distance !== 'pyramid+d')
    throw new UsageError(`--distance takes pyramid or pyramid+d (got "${values.distance}")`);
  const dBalance = Number(values['d-balance']);
  if (!(Number.isFinite(dBalance) && dBalance > 0)) throw new UsageError(`--d-balance takes a number > 0 (got "${values['d-balance']}")`);
  if (values.backend !== 'wasm' && values.backend !== 'cpu') throw new UsageError(`--backend takes wasm or cpu (got "${values.backend}")`);
  return {
    project: values.project,
    targets: values.target,
    steps: whole('steps', values.steps, 1),
    space: values.space,
    out: values.out,
    ppl: whole('ppl', values.ppl, 0),
    backend: values.backend,
    noiseMaps: values['noise-maps'] === '1',
    noiseWeight,
    distance: values.distance,
    dBlocks: whole('d-blocks', values['d-blocks'], 1),
    dBalance,
  };
}

/** A target as the model sees it: a training image, or a file prepared as the dataset's images are. */
async function readTarget(spec: string, set: PreparedSet): Promise<{ name: string; pixels: Float32Array }> {
  const size = set.res * set.res * 3;
  const train = /^train:(\d+)$/.exec(spec);
  if (train) {
    const i = Number(train[1]) - 1;
    if (!(i >= 0 && i < set.count)) throw new UsageError(`--target ${spec}: the run has ${set.count} training images`);
    return { name: `train-${i + 1}`, pixels: set.pixels.slice(i * size, (i + 1) * size) };
  }
  const bytes = new Uint8Array(await readFile(spec).catch(() => Promise.reject(new UsageError(`--target: cannot read ${spec}`))));
  const loaded = await loadImages([{ name: basename(spec), bytes }], nodeDecoder, { ...DEFAULT_PREPARE, res: set.res, maxImages: 1 });
  if (loaded.set.count === 0) throw new UsageError(`--target ${spec}: ${loaded.rejections[0] ? english(loaded.rejections[0].reason) : 'not an image'}`);
  return { name: basename(spec).replace(/\.[^.]+$/, ''), pixels: loaded.set.pixels };
}

interface Result {
  name: string;
  distance: number;
  mirror: number;
  seconds: number;
  latent: ProjectedLatent;
  start: number;
  far: boolean;
  /** With noise maps: the distance of the latent drawn with the fixed noise (what a pin shows). */
  fixedNoise: number;
}

async function projectOne(trainer: GanTrainer, set: PreparedSet, target: { name: string; pixels: Float32Array }, o: Options): Promise<Result> {
  const t0 = performance.now();
  const projector = await Projector.create(latentModelOf(trainer), target.pixels, {
    space: o.space,
    steps: o.steps,
    noiseMaps: o.noiseMaps,
    noiseWeight: o.noiseWeight,
    distance: o.distance,
    dBlocks: o.dBlocks,
    dBalance: o.dBalance,
  });
  const curve: number[] = [];
  while (!projector.finished) {
    projector.run(25);
    curve.push(...(await projector.drain()));
  }
  const distance = await projector.distance();
  const seconds = (performance.now() - t0) / 1000;
  const fixedNoise = await projector.fixedNoiseDistance();
  const noise = await projector.noiseValues();
  const latent = await projector.latentValues();
  const featureWeight = projector.featureWeight;
  const image = projector.image();
  const recon = (await image.data()) as Float32Array;
  image.dispose();
  projector.dispose();
  const res = set.res;
  const mirror = mirrorDistance(target.pixels, res);
  const near = nearestTraining(set, target.pixels);
  const dir = join(o.out, target.name);
  await mkdir(dir, { recursive: true });
  const png = (pixels: Float32Array) => pngOf(imageFromSet({ res, count: 1, pixels, names: [''] }, 0));
  await writeFile(join(dir, 'reconstruction.png'), png(recon));
  await writeFile(join(dir, 'target.png'), png(target.pixels));
  await writeFile(
    join(dir, 'latent.json'),
    JSON.stringify({ ...latent, values: Array.from(latent.values), distance, mirror, nearest: near, modelStep: trainer.step }),
  );
  await writeFile(join(dir, 'curve.json'), JSON.stringify(curve));
  if (noise.length) await writeFile(join(dir, 'noise.json'), JSON.stringify(noise.map((m) => Array.from(m))));
  const came = distance / curve[0]!;
  const weightText = featureWeight === undefined ? '' : ` · D-feature weight ${featureWeight.toPrecision(3)}`;
  const noiseText = projector.optimisesNoise ? ` · with the fixed noise ${fixedNoise.toPrecision(3)}` : '';
  const nearText = near
    ? ` · nearest training image ${near.index + 1} at ${near.distance.toFixed(3)} (typical gap ${near.typicalGap.toFixed(3)})${near.far ? ': far from the set' : ''}`
    : '';
  console.log(
    `${target.name}: distance ${distance.toPrecision(3)} after ${o.steps} steps in ${seconds.toFixed(1)} s (from ${curve[0]!.toPrecision(3)}, ${came.toFixed(2)}×)${weightText}${noiseText} · mirror ${mirror.toPrecision(3)} (${(distance / mirror).toFixed(2)}×)${nearText} → ${dir}`,
  );
  return { name: target.name, distance, mirror, seconds, latent, start: curve[0]!, far: near?.far ?? false, fixedNoise };
}

/** The objective as the table names it, with its settings when D's features are in. */
function objectiveText(o: Options): string {
  return o.distance === 'pyramid' ? 'pyramid' : `pyramid+d (${o.dBlocks} blocks, balance ${o.dBalance})`;
}

/** PPL along straight lines in W (or W+) between consecutive projected latents, measured as the PPL metric does. */
async function projectedPathLength(trainer: GanTrainer, latents: ProjectedLatent[], pairs: number): Promise<number> {
  const style = trainer.styleTraining;
  if (!style || latents.length < 2) return NaN;
  const m = style.model;
  const rng = new Rng(7);
  const eps = 1e-2;
  const values: number[] = [];
  for (let k = 0; k < pairs; k++) {
    const [a, b] = [latents[k % (latents.length - 1)]!, latents[(k % (latents.length - 1)) + 1]!];
    const t = rng.next();
    const diff = style.withAverage(() =>
      tf.tidy(() => {
        const [wa, wb] = [a, b].map((l) => tf.broadcastTo(tf.tensor3d(l.values, [1, l.numWs, l.dim]), [1, m.numWs, l.dim]));
        const at = (s: number) => m.synthesis(tf.add(tf.mul(wa!, 1 - s), tf.mul(wb!, s)) as tf.Tensor3D, PROJECTION_NOISE);
        return tf.sub(at(t + eps), at(t));
      }),
    );
    const d = pyramidDistances((await diff.data()) as Float32Array, 1, m.res, 4)[0]!;
    diff.dispose();
    values.push(d / (eps * eps));
  }
  return summarize(values).mean;
}

async function main(): Promise<void> {
  const o = readOptions(process.argv.slice(2));
  await useNodeBackend(o.backend);
  const opened = await openProjectFile(o.project);
  if (!opened.dataset) throw new UsageError(`--project ${o.project} carries no training images`);
  const set = opened.dataset;
  const trainer = new GanTrainer(opened.snapshot.config, set);
  const problem = trainer.importState(opened.snapshot);
  if (problem) throw new UsageError(`--project ${o.project} does not fit its own model: ${english(problem)}`);
  const c = trainer.config;
  console.log(
    `${c.model} at ${c.res} px, step ${trainer.step}, ${set.count} training images · ${o.steps} steps in ${trainer.styleTraining ? o.space.toUpperCase() : 'z'}${o.noiseMaps ? ` + noise maps (weight ${o.noiseWeight})` : ''} · minimising ${objectiveText(o)} · ${o.backend}`,
  );
  const results: Result[] = [];
  for (const spec of o.targets) results.push(await projectOne(trainer, set, await readTarget(spec, set), o));
  if (results.length > 1) {
    console.log(
      '\n| target | space | minimised | noise maps | steps | start | pyramid distance | with fixed noise | mirror | distance / mirror | far from the set | seconds |\n|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    const maps = o.noiseMaps ? `yes (${o.noiseWeight})` : 'no';
    for (const r of results)
      console.log(
        `| ${r.name} | ${r.latent.space} | ${objectiveText(o)} | ${maps} | ${o.steps} | ${r.start.toPrecision(3)} | ${r.distance.toPrecision(3)} | ${r.fixedNoise.toPrecision(3)} | ${r.mirror.toPrecision(3)} | ${(r.distance / r.mirror).toFixed(2)} | ${r.far ? 'yes' : 'no'} | ${r.seconds.toFixed(1)} |`,
      );
    const ratios = results.map((r) => r.distance / r.mirror).sort((a, b) => a - b);
    console.log(`median ratio ${ratios[ratios.length >> 1]!.toFixed(2)}, worst ${ratios[ratios.length - 1]!.toFixed(2)}`);
  }
  if (o.ppl > 0 && trainer.styleTraining) {
    const projected = await projectedPathLength(
      trainer,
      results.map((r) => r.latent),
      o.ppl,
    );
    const samples = await pathLength(pathModelOf(trainer), { pairs: o.ppl });
    console.log(
      `PPL between projected latents ${projected.toPrecision(3)}; between samples (W): mean ${samples.mean.toPrecision(3)}, median ${samples.median.toPrecision(3)}, p90 ${samples.p90.toPrecision(3)}`,
    );
  }
  trainer.dispose();
}

main().catch((e: unknown) => {
  if (e instanceof UsageError || e instanceof ProjectFileError) {
    console.error(e.message);
    process.exit(2);
  }
  throw e;
});
