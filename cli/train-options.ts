/**
 * The training CLI's command line, read strictly (node:util parseArgs): every option is known and
 * typed, and a typo, a word where a number belongs or a data folder that is not there is a
 * one-line `UsageError` naming the option and what it takes, before anything is written.
 * Every training setting of the page's URL is an option too (`--lrD 1e-4`, `--ada 1`).
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { configFromParams, DEFAULT_CONFIG, PRESETS, type TrainConfig } from '../src/contract/config.ts';
import { english } from '../src/contract/messages.ts';
import { BUILTIN_NAMES } from '../src/data/builtin/registry.ts';
import type { NodeBackend } from './node-backend.ts';

export class UsageError extends Error {}

interface Own {
  default: string;
  takes: string;
  /** A whole number at least this. */
  min?: number;
  choices?: readonly string[];
}

/** The CLI's own options, beside the training settings. */
const OWN = {
  data: { default: 'faces', takes: `${BUILTIN_NAMES.join('|')}, or a folder of images` },
  steps: { default: '200', takes: 'training steps (more steps, with --resume), a whole number ≥ 0', min: 0 },
  every: { default: '50', takes: 'steps between progress lines (with SWD and diversity), ≥ 1', min: 1 },
  out: { default: 'out', takes: 'the folder to write grid.png and metrics.jsonl into' },
  backend: { default: 'wasm', takes: 'wasm|cpu', choices: ['wasm', 'cpu'] },
  samples: { default: '0', takes: 'single sample PNGs to write from the final generator, ≥ 0', min: 0 },
  ppl: { default: '0', takes: 'pairs to measure perceptual path length on at the end (0: off)', min: 0 },
  save: { default: '', takes: "a .ganvas file to write the run into at the end, as the page's Export project does" },
  resume: { default: '', takes: 'a .ganvas file (from the page, the CLI or ganvas_torch) to continue; its settings and images are used' },
} as const satisfies Record<string, Own>;
type OwnName = keyof typeof OWN;

/** Training settings: every field of the config, and `preset`, as the page's URL takes them. */
const SETTINGS = ['preset', ...Object.keys(DEFAULT_CONFIG)];

export interface TrainOptions {
  help: boolean;
  data: string;
  steps: number;
  every: number;
  out: string;
  backend: NodeBackend;
  samples: number;
  ppl: number;
  /** Where to write the project file at the end ('' = nowhere). */
  save: string;
  /** The project file to continue ('' = a fresh run). */
  resume: string;
  config: TrainConfig;
}

/** The CLI's defaults for training settings: the tiny preset, and an 8×8 grid. */
export const CLI_BASE: TrainConfig = { ...DEFAULT_CONFIG, ...PRESETS.tiny, gridSide: 8 };

export function readTrainOptions(argv: string[]): TrainOptions {
  const spec = Object.fromEntries([...Object.keys(OWN), ...SETTINGS].map((k) => [k, { type: 'string' as const }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...spec, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError(parseProblem(e));
  }
  const get = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : null);
  const { config, issues } = configFromParams({ get }, CLI_BASE);
  if (issues.length) throw new UsageError(issues.map((i) => `--${i.field}: ${english(i.message)}`).join('; '));
  const own = (k: OwnName) => get(k) ?? OWN[k].default;
  const resume = own('resume');
  const given = SETTINGS.filter((k) => get(k) !== null);
  // A resumed run is the file's run: a setting from the command line would make it another one.
  if (resume && given.length)
    throw new UsageError(`--${given[0]}: a resumed run keeps the settings in ${resume}; leave out ${given.map((k) => `--${k}`).join(', ')}`);
  const data = own('data');
  if (!(BUILTIN_NAMES as readonly string[]).includes(data) && !isFolder(data)) {
    throw new UsageError(`--data: no built-in set or folder called "${data}" (takes ${OWN.data.takes})`);
  }
  return {
    help: values['help'] === true,
    data,
    steps: count('steps', own('steps')),
    every: count('every', own('every')),
    out: own('out'),
    backend: choice('backend', own('backend')) as NodeBackend,
    samples: count('samples', own('samples')),
    ppl: count('ppl', own('ppl')),
    save: own('save'),
    resume,
    config,
  };
}

function count(name: OwnName, raw: string): number {
  const spec: Own = OWN[name];
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < (spec.min ?? 0)) throw new UsageError(`--${name}: "${raw}" is not ${spec.takes}`);
  return n;
}

function choice(name: OwnName, raw: string): string {
  const spec: Own = OWN[name];
  if (!spec.choices?.includes(raw)) throw new UsageError(`--${name}: "${raw}" is not one of ${spec.takes}`);
  return raw;
}

const isFolder = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** parseArgs' own errors, in one line that names the option and, for a typo, the likely one. */
function parseProblem(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
  if (unknown) {
    const near = closest(unknown.replace(/^-+/, ''), [...Object.keys(OWN), ...SETTINGS, 'help']);
    return `unknown option ${unknown}${near ? ` (did you mean --${near}?)` : ''}; npm run train -- --help lists them`;
  }
  return message.split('\n')[0]!;
}

/** The known name nearest to `name` by edit distance, when it is near enough to be a typo. */
function closest(name: string, known: string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const next = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = row[j]!;
        row[j] = next;
      }
    }
    return row[b.length]!;
  };
  const [best] = known.map((k) => [k, distance(name.toLowerCase(), k.toLowerCase())] as const).sort((x, y) => x[1] - y[1]);
  return best && best[1] <= 2 ? best[0] : undefined;
}

/** Every option with its default. */
export function usage(): string {
  const own = Object.entries(OWN).map(([k, o]) => `  --${k.padEnd(16)} ${o.takes}${o.default ? ` (default ${o.default})` : ''}`);
  const settings = SETTINGS.map((k) => `  --${k.padEnd(16)} default ${k === 'preset' ? 'tiny' : String(CLI_BASE[k as keyof TrainConfig])}`);
  return [
    'usage: npm run train -- [options]',
    '',
    ...own,
    '  --help, -h         this list',
    '',
    "Training settings (as in the page's URL; booleans take 0 or 1):",
    ...settings,
  ].join('\n');
}
