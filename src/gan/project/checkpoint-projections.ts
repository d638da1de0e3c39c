/**
 * Projected pictures in a project file: the optional manifest entry `projections`, one object per
 * pin with what the page shows about it and its latent as plain numbers (a few hundred floats, so
 * JSON is fine). Files without the entry (all files before it) open as before, with no pins;
 * readers before it ignore it, since they read only the manifest fields they know.
 * Every field is checked on reading: a bad entry refuses the file with a reason, like any other.
 */
import type { ProjectedPinInfo, ProjectionDistance } from '../../contract/explore.ts';
import { refuse } from './checkpoint-types.ts';

/** A pin as stored: its facts and its latent ([numWs, dim] row-major; z as [1, zDim]). */
export interface StoredProjection {
  info: ProjectedPinInfo;
  latent: { space: 'w' | 'w+' | 'z'; numWs: number; dim: number; values: Float32Array };
}

/** Pins kept in one file: far more than anyone projects by hand. */
export const MAX_PROJECTIONS = 256;
/** Values in one latent: 18 × 512 would be a full-size StyleGAN's W+. */
const MAX_LATENT_VALUES = 16_384;
/** The keys a pin's label may use (the page renders them; anything else would show as a raw key). */
const LABEL_KEYS = new Set(['projection.fileLabel', 'projection.trainingLabel']);
const SPACES = new Set(['w', 'w+', 'z']);
const OBJECTIVES = new Set<string>(['pyramid', 'pyramid+d'] satisfies ProjectionDistance[]);

/** The manifest entry for `pins`. */
export function storeProjections(pins: readonly StoredProjection[]): unknown[] {
  return pins.map((p) => ({ info: p.info, space: p.latent.space, numWs: p.latent.numWs, dim: p.latent.dim, values: Array.from(p.latent.values) }));
}

type Obj = Record<string, unknown>;
const where = (i: number, field: string) => `projections[${i}].${field}`;
const bad = (at: string, v: unknown): never =>
  refuse('project.manifestField', { where: at, what: 'a valid value', value: (JSON.stringify(v) ?? String(v)).slice(0, 60) });
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown, at: string, min = -Infinity): number => (typeof v === 'number' && Number.isFinite(v) && v >= min ? v : bad(at, v));
const whole = (v: unknown, at: string, min: number, max: number): number =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : bad(at, v);

function parseLabel(v: unknown, i: number): ProjectedPinInfo['label'] {
  if (!isObj(v) || typeof v.key !== 'string' || !LABEL_KEYS.has(v.key)) return bad(where(i, 'info.label'), v);
  const vars: Record<string, string | number> = {};
  if (v.vars !== undefined) {
    if (!isObj(v.vars)) return bad(where(i, 'info.label.vars'), v.vars);
    for (const [k, x] of Object.entries(v.vars)) vars[k] = typeof x === 'string' ? x.slice(0, 256) : finite(x, where(i, `info.label.vars.${k}`));
  }
  return { key: v.key as ProjectedPinInfo['label']['key'], vars };
}

function parseNearest(v: unknown, i: number): ProjectedPinInfo['nearest'] {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v) || typeof v.far !== 'boolean') return bad(where(i, 'info.nearest'), v);
  const gap = v.typicalGap === null ? NaN : finite(v.typicalGap, where(i, 'info.nearest.typicalGap'), 0);
  return {
    index: whole(v.index, where(i, 'info.nearest.index'), 0, 1e7),
    distance: finite(v.distance, where(i, 'info.nearest.distance'), 0),
    typicalGap: gap,
    far: v.far,
  };
}

function parseInfo(v: unknown, i: number, space: StoredProjection['latent']['space']): ProjectedPinInfo {
  if (!isObj(v)) return bad(where(i, 'info'), v);
  if (typeof v.id !== 'string' || v.id.length === 0 || v.id.length > 64) return bad(where(i, 'info.id'), v.id);
  return {
    id: v.id,
    label: parseLabel(v.label, i),
    space,
    steps: whole(v.steps, where(i, 'info.steps'), 0, 1e9),
    modelStep: whole(v.modelStep, where(i, 'info.modelStep'), 0, Number.MAX_SAFE_INTEGER),
    distance: finite(v.distance, where(i, 'info.distance'), 0),
    mirror: finite(v.mirror, where(i, 'info.mirror'), 0),
    // Pins written before the start distance was kept: unknown.
    start: v.start === undefined || v.start === null ? NaN : finite(v.start, where(i, 'info.start'), 0),
    ms: finite(v.ms, where(i, 'info.ms'), 0),
    nearest: parseNearest(v.nearest, i),
    // Only pins found with their noise maps optimised carry it.
    ...(v.fixedNoise === undefined ? {} : { fixedNoise: finite(v.fixedNoise, where(i, 'info.fixedNoise'), 0) }),
    // Pins written before the objective was a choice were found with the pyramid distance.
    ...(v.objective === undefined
      ? {}
      : { objective: OBJECTIVES.has(v.objective as string) ? (v.objective as ProjectionDistance) : bad(where(i, 'info.objective'), v.objective) }),
  };
}

function parseOne(v: unknown, i: number): StoredProjection {
  if (!isObj(v)) return bad(`projections[${i}]`, v);
  const space = typeof v.space === 'string' && SPACES.has(v.space) ? (v.space as StoredProjection['latent']['space']) : bad(where(i, 'space'), v.space);
  const numWs = whole(v.numWs, where(i, 'numWs'), 1, 64);
  const dim = whole(v.dim, where(i, 'dim'), 1, MAX_LATENT_VALUES);
  if (!Array.isArray(v.values) || v.values.length !== numWs * dim || v.values.length > MAX_LATENT_VALUES) return bad(where(i, 'values'), `${numWs}×${dim}`);
  const values = Float32Array.from(v.values, (x, k) => finite(x, where(i, `values[${k}]`)));
  return { info: parseInfo(v.info, i, space), latent: { space, numWs, dim, values } };
}

/** The pins of a manifest (its raw JSON object), undefined when it has none; refuses a malformed entry. */
export function readProjections(manifest: unknown): StoredProjection[] | undefined {
  const raw = isObj(manifest) ? manifest.projections : undefined;
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length > MAX_PROJECTIONS) return bad('projections', Array.isArray(raw) ? `${raw.length} entries` : raw);
  const pins = raw.map(parseOne);
  const ids = pins.map((p) => p.info.id);
  const twice = ids.findIndex((id, i) => ids.indexOf(id) !== i);
  if (twice >= 0) return bad(where(twice, 'info.id'), ids[twice]); // an id must name one pin
  return pins;
}
