/**
 * The one typed training configuration, shared by the page, the Worker, the CLI and the tests.
 * Every field has a default and a one-line reason for it. URL parameters map onto these fields
 * (see `configFromParams`).
 */
import { msg, type Message } from './messages.ts';

export const MODEL_KINDS = ['dcgan', 'stylegan', 'autoencoder', 'vae'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Proper names of the architectures, the same in every language and message. */
export const MODEL_NAMES: Record<ModelKind, string> = { dcgan: 'DCGAN', stylegan: 'StyleGAN', autoencoder: 'Autoencoder', vae: 'VAE' };

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendRequest = BackendName | 'auto';

export const RESOLUTIONS = [16, 32, 64] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** Size presets: resolution and channel width travel together, so a preset is one choice. */
export const PRESETS = {
  /** 16×16, narrow: trains at several steps/s even on a CPU-only machine. */
  tiny: { res: 16, width: 16, batch: 16 },
  /** 32×32 at DCGAN's proportions (G ≈ 370k, D ≈ 170k parameters). */
  small: { res: 32, width: 32, batch: 32 },
  /** 64×64: needs a real GPU to be watchable. */
  full: { res: 64, width: 32, batch: 32 },
} as const satisfies Record<string, { res: Resolution; width: number; batch: number }>;
export type PresetName = keyof typeof PRESETS;

export interface TrainConfig {
  /** Architecture; a registry key, never a free string. */
  model: ModelKind;
  /** Training image side in pixels; the dataset is prepared at this size. */
  res: Resolution;
  /** Channel width of the widest-resolution layer; channels double at every halving of size. */
  width: number;
  /** Latent size; 100 as in the DCGAN paper. */
  zDim: number;
  /** Images per step; small batches keep steps fast on weak backends. */
  batch: number;
  /** Generator Adam learning rate (DCGAN: 2e-4). */
  lrG: number;
  /** Discriminator Adam learning rate (DCGAN: 2e-4). */
  lrD: number;
  /** Adam β1; 0.5 (DCGAN) damps the momentum that makes the two-player game oscillate. */
  beta1: number;
  /** Adam β2; the usual 0.999. */
  beta2: number;
  /** Seed for weights, latents and batch order, so a run can be reproduced. */
  seed: number;
  /** Training steps between metric reads from the device (one sync per report, not per step). */
  reportEvery: number;
  /** Minimum milliseconds between sample-grid renders, so rendering never dominates training. */
  sampleEveryMs: number;
  /** Side of the fixed-latent sample grid (grid has gridSide² samples). */
  gridSide: number;
  /** Milliseconds between autosaves while training: a closed tab or a crash costs at most this. */
  autosaveMs: number;
  /** Milliseconds of training between SWD evaluations (each takes ~0.2–1 s in the Worker). */
  qualityEveryMs: number;
  /** DiffAugment colour jitter (brightness, saturation, contrast) before D, on reals and fakes. */
  augColor: boolean;
  /** DiffAugment translation by up to 1/8 of the side, zero-padded. */
  augTranslation: boolean;
  /** DiffAugment cutout: a half-size square zeroed at a random place. */
  augCutout: boolean;
  /**
   * ADA: augment what D sees with StyleGAN2-ADA's non-leaking pipeline (x-flip, rotations,
   * translation, scaling, colour) at a probability p steered by D's confidence on reals, capped
   * at 0.8. Independent of the DiffAugment flags above, which stay at full strength.
   */
  ada: boolean;
  /** ADA's target for E[sign(D(real))]; 0.6 as in the paper. */
  adaTarget: number;
  /** ADA's speed: real images it takes p to move from 0 to 1 (the paper's 500k; smaller reacts faster but follows a noisy r_t). */
  adaSpeedImages: number;
  /** Mirror reals left–right at random: doubles a small dataset when mirror images are still valid. */
  xflip: boolean;
  /** StyleGAN: size of the intermediate latent w. */
  wDim: number;
  /** StyleGAN: depth of the mapping network z → w (the paper uses 8; 4 is enough at this scale). */
  mappingLayers: number;
  /** R1 weight γ (StyleGAN and DCGAN) when `r1GammaAuto` is off; 0 switches R1 off. */
  r1Gamma: number;
  /**
   * StyleGAN: use StyleGAN2-ADA's heuristic γ = 0.0002·res²/batch instead of `r1Gamma`; for DCGAN
   * it means R1 off (no heuristic for its D; see src/gan/train/r1.ts r1GammaOf). A link or CLI
   * call that names `r1Gamma` (and not this) turns it off, so `r1Gamma=0` means no R1.
   */
  r1GammaAuto: boolean;
  /** R1 runs every this many D steps, scaled up to match (lazy regularisation). */
  r1Every: number;
  /**
   * StyleGAN: half-life of the generator's weight average, in images at batch 32; it scales with
   * the batch as StyleGAN2-ADA's ema_kimg = batch·10/32 (the default 10k: 2.5k images at batch 8).
   */
  emaHalfLife: number;
  /** StyleGAN: EMA ramp-up (StyleGAN2-ADA's 0.05): the half-life is at most this × images seen; 0 switches it off. */
  emaRampup: number;
  /** Discriminator updates per round (GAN Lab's game control); 0 freezes D. */
  dSteps: number;
  /** Generator updates per round; 0 freezes G. */
  gSteps: number;
}

export const DEFAULT_CONFIG: TrainConfig = {
  model: 'dcgan',
  res: PRESETS.small.res,
  width: PRESETS.small.width,
  zDim: 100,
  batch: PRESETS.small.batch,
  lrG: 2e-4,
  lrD: 2e-4,
  beta1: 0.5,
  beta2: 0.999,
  seed: 1,
  reportEvery: 4,
  sampleEveryMs: 700,
  gridSide: 6,
  qualityEveryMs: 15_000,
  autosaveMs: 20_000,
  augColor: false,
  augTranslation: false,
  augCutout: false,
  ada: false,
  adaTarget: 0.6,
  adaSpeedImages: 500_000,
  xflip: false,
  wDim: 128,
  mappingLayers: 4,
  // The heuristic's value at the default size (res 32, batch 32), shown when auto is switched off.
  r1Gamma: 0.0064,
  r1GammaAuto: true,
  r1Every: 16,
  emaHalfLife: 10_000,
  emaRampup: 0.05,
  dSteps: 1,
  gSteps: 1,
};

/**
 * Per-model optimizer defaults, applied when a person picks the model without setting these.
 * StyleGAN2 trains with β1 = 0, β2 = 0.99; its equalised-lr weights need a larger step than
 * DCGAN's in short runs (2.5e-3 measured better than 2e-3 at this scale).
 */
export const MODEL_DEFAULTS: Record<ModelKind, Partial<TrainConfig>> = {
  dcgan: { lrG: 2e-4, lrD: 2e-4, beta1: 0.5, beta2: 0.999 },
  stylegan: { lrG: 2.5e-3, lrD: 2.5e-3, beta1: 0, beta2: 0.99 },
  // Not a two-player game, so no damped momentum: the usual Adam settings for an autoencoder
  // (lrG drives the decoder, lrD the encoder; see src/gan/train/reconstruction.ts). On 16 px faces lr
  // 1e-3 reached in 500 steps the sample SWD that 2e-4 reached in 1,500 (64 vs 131 at step 500).
  autoencoder: { lrG: 1e-3, lrD: 1e-3, beta1: 0.9, beta2: 0.999 },
  vae: { lrG: 1e-3, lrD: 1e-3, beta1: 0.9, beta2: 0.999 },
};

export function applyPreset(config: TrainConfig, preset: PresetName): TrainConfig {
  return { ...config, ...PRESETS[preset] };
}

/** Which preset a config matches, if any (for showing the preset picker's state). */
export function presetOf(config: TrainConfig): PresetName | undefined {
  const names = Object.keys(PRESETS) as PresetName[];
  return names.find((n) => PRESETS[n].res === config.res && PRESETS[n].width === config.width);
}

type NumericKey = { [K in keyof TrainConfig]: TrainConfig[K] extends number ? K : never }[keyof TrainConfig];
const NUMERIC_LIMITS: Record<NumericKey, [min: number, max: number, integer: boolean]> = {
  res: [16, 64, true],
  width: [4, 256, true],
  zDim: [2, 512, true],
  batch: [1, 256, true],
  lrG: [1e-6, 10, false],
  lrD: [1e-6, 10, false],
  beta1: [0, 0.9999, false],
  beta2: [0, 0.99999, false],
  seed: [0, 2 ** 31 - 1, true],
  reportEvery: [1, 1000, true],
  sampleEveryMs: [0, 60_000, true],
  gridSide: [1, 12, true],
  qualityEveryMs: [500, 3_600_000, true],
  autosaveMs: [1000, 3_600_000, true],
  adaTarget: [0, 0.99, false],
  adaSpeedImages: [1000, 1e8, false],
  wDim: [4, 512, true],
  mappingLayers: [1, 8, true],
  r1Gamma: [0, 100, false],
  r1Every: [1, 64, true],
  emaHalfLife: [1, 1e7, false],
  emaRampup: [0, 1, false],
  dSteps: [0, 5, true],
  gSteps: [0, 5, true],
};

type BooleanKey = { [K in keyof TrainConfig]: TrainConfig[K] extends boolean ? K : never }[keyof TrainConfig];
const BOOLEAN_KEYS: BooleanKey[] = ['augColor', 'augTranslation', 'augCutout', 'ada', 'xflip', 'r1GammaAuto'];

/** A config problem, phrased for a person. */
export type ConfigIssue = { field: keyof TrainConfig; message: Message };

export function validateConfig(config: TrainConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [field, [min, max, integer]] of Object.entries(NUMERIC_LIMITS) as [NumericKey, [number, number, boolean]][]) {
    const v = config[field];
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      issues.push({
        field,
        message: msg('config.range', { field, kind: msg(integer ? 'config.integer' : 'config.number'), min: String(min), max: String(max), value: String(v) }),
      });
    }
  }
  if (!(RESOLUTIONS as readonly number[]).includes(config.res)) {
    issues.push({ field: 'res', message: msg('config.oneOf', { field: 'res', choices: RESOLUTIONS.join(', '), value: String(config.res) }) });
  }
  if (!(MODEL_KINDS as readonly string[]).includes(config.model)) {
    issues.push({ field: 'model', message: msg('config.oneOf', { field: 'model', choices: MODEL_KINDS.join(', '), value: String(config.model) }) });
  }
  if (config.dSteps === 0 && config.gSteps === 0) issues.push({ field: 'dSteps', message: msg('config.nobodyLearns') });
  return issues;
}

/** What `URLSearchParams` offers that we need (this file compiles without DOM types). */
export interface ParamSource {
  get(key: string): string | null;
}

/**
 * Reads config fields from URL-style parameters (`res=16&batch=8&lrD=1e-4`), on top of a base.
 * Unknown or invalid values are reported, not silently used.
 */
export function configFromParams(params: ParamSource, base: TrainConfig): { config: TrainConfig; issues: ConfigIssue[] } {
  const config: TrainConfig = { ...base };
  const issues: ConfigIssue[] = [];
  const preset = params.get('preset');
  if (preset !== null) {
    if (preset in PRESETS) Object.assign(config, PRESETS[preset as PresetName]);
    else issues.push({ field: 'res', message: msg('config.unknownPreset', { value: preset }) });
  }
  for (const key of Object.keys(NUMERIC_LIMITS) as NumericKey[]) {
    const raw = params.get(key);
    if (raw !== null) config[key] = Number(raw) as never;
  }
  for (const key of BOOLEAN_KEYS) {
    const raw = params.get(key);
    if (raw === null) continue;
    if (['1', 'true', '0', 'false'].includes(raw)) config[key] = raw === '1' || raw === 'true';
    else issues.push({ field: key, message: msg('config.flag', { field: key, value: raw }) });
  }
  // A γ named on its own is the γ wanted (links and CLI calls from before the auto flag).
  if (params.get('r1Gamma') !== null && params.get('r1GammaAuto') === null) config.r1GammaAuto = false;
  const model = params.get('model');
  if (model !== null && (MODEL_KINDS as readonly string[]).includes(model)) {
    config.model = model as ModelKind;
    for (const [k, v] of Object.entries(MODEL_DEFAULTS[config.model])) if (params.get(k) === null) (config as unknown as Record<string, unknown>)[k] = v;
  } else if (model !== null) issues.push({ field: 'model', message: msg('config.unknownModel', { value: model, choices: MODEL_KINDS.join(', ') }) });
  const bad = validateConfig(config);
  for (const issue of bad) {
    issues.push(issue);
    (config as unknown as Record<string, unknown>)[issue.field] = base[issue.field];
  }
  return { config, issues };
}

/** The config fields that differ from the defaults, as URL parameters (for shareable links). */
export function configToParams(config: TrainConfig): Record<string, string> {
  const params: Record<string, string> = {};
  for (const key of Object.keys(DEFAULT_CONFIG) as (keyof TrainConfig)[]) {
    const v = config[key];
    if (v !== DEFAULT_CONFIG[key]) params[key] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  }
  return params;
}
