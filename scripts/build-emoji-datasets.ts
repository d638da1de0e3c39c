/**
 * Builds the built-in sprite datasets under public/datasets/ from the npm package
 * emoji-datasource-google (Noto Emoji images, Apache-2.0).
 *
 *   npx tsx scripts/build-emoji-datasets.ts
 *
 * Why a script and committed outputs: the package tarball is ~74 MB, far too much to install in
 * CI or ship in the app. This script downloads it once with `npm pack` (pinned version and
 * integrity), extracts only emoji.json and the few hundred 64×64 PNGs it needs, and writes per set:
 *   public/datasets/<name>.png   sprite sheet, tiles of 64×64 RGBA in row-major grid order
 *   public/datasets/<name>.json  manifest: tile, count, columns, short names, licence
 * plus public/datasets/LICENSES.md. Re-running it reproduces the committed files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';

const PACKAGE = 'emoji-datasource-google';
const VERSION = '16.0.0';
/** From `npm pack --json`; a different tarball under the same version is refused. */
const INTEGRITY = 'sha512-ZRexfzs7MVoLnmzZmNsO4TKhnAJp5D++Vm6PpUpH/jEQQlemp3l88CjZ+DoZ2faM9R4QxZkOPJCoT8DlPhfQ3A==';
const IMG_DIR = 'package/img/google/64/';
const TILE = 64;
const COLUMNS = 16;
/** Budget per sheet so the page's first dataset load stays small. */
const MAX_PNG_BYTES = 600 * 1024;
const OUT_DIR = resolve(import.meta.dirname, '..', 'public', 'datasets');
/** Full Apache-2.0 terms, shipped by a pinned devDependency (TypeScript is Apache-2.0 itself). */
const APACHE_TEXT = resolve(import.meta.dirname, '..', 'node_modules', 'typescript', 'LICENSE.txt');

/** The fields of one emoji.json entry that this script reads. */
interface EmojiEntry {
  unified: string;
  image: string;
  short_name: string;
  category: string;
  subcategory: string;
  sort_order: number;
  has_img_google: boolean;
}

interface SetSpec {
  name: string;
  label: string;
  /** One line for LICENSES.md and the script's log. */
  selection: string;
  select: (e: EmojiEntry) => boolean;
}

const SETS: readonly SetSpec[] = [
  {
    name: 'faces',
    label: 'Emoji faces',
    // face-costume (ogre, ghost, alien, robot, poo...) is left out: the rest are round
    // yellow faces, a coherent set a small GAN can learn.
    selection: 'category "Smileys & Emotion", subcategories face-* except face-costume',
    select: (e) => e.category === 'Smileys & Emotion' && e.subcategory.startsWith('face-') && e.subcategory !== 'face-costume',
  },
  {
    name: 'animals',
    label: 'Emoji animals',
    selection: 'category "Animals & Nature", subcategories animal-*',
    select: (e) => e.category === 'Animals & Nature' && e.subcategory.startsWith('animal-'),
  },
];

const LICENCE = {
  name: 'Apache-2.0',
  source: `Noto Emoji (Google) via npm package ${PACKAGE}@${VERSION}`,
  text:
    'Emoji images from the Noto Emoji project by Google, licensed under the Apache License, ' +
    'Version 2.0. Images are unmodified except for being arranged into a sprite sheet. ' +
    'Short names from emoji-data by Cal Henderson (MIT licence). See LICENSES.md.',
} as const;

/** Emoji modifiers for skin tone, U+1F3FB..U+1F3FF. */
const SKIN_TONE = /(^|-)1F3F[B-F](-|$)/i;

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Downloads the pinned tarball into `dir` and returns its path. */
function packTarball(dir: string): string {
  const out = run('npm', ['pack', `${PACKAGE}@${VERSION}`, '--json', '--pack-destination', dir], dir);
  const [info] = JSON.parse(out) as { filename: string; integrity: string }[];
  if (info.integrity !== INTEGRITY) {
    throw new Error(`${PACKAGE}@${VERSION}: integrity ${info.integrity}, expected ${INTEGRITY}`);
  }
  return join(dir, info.filename);
}

/** Extracts the listed member paths of the tarball into `dir`. */
function extract(tarball: string, dir: string, members: string[]): void {
  const list = join(dir, 'members.txt');
  writeFileSync(list, members.join('\n') + '\n');
  run('tar', ['-xzf', tarball, '-C', dir, '-T', list], dir);
}

/** Base (no skin tone) entries with a Google image, in Unicode's sort order. */
function selectEntries(all: EmojiEntry[], spec: SetSpec): EmojiEntry[] {
  const chosen = all.filter((e) => e.has_img_google && !SKIN_TONE.test(e.unified) && spec.select(e)).sort((a, b) => a.sort_order - b.sort_order);
  if (chosen.length === 0) throw new Error(`set ${spec.name}: no emoji selected`);
  return chosen;
}

/** Reads a 64×64 PNG and copies it into the sheet at tile index `i`. */
function blit(sheet: PNG, file: string, i: number): void {
  const img = PNG.sync.read(readFileSync(file));
  if (img.width !== TILE || img.height !== TILE) {
    throw new Error(`${file}: ${img.width}×${img.height}, expected ${TILE}×${TILE}`);
  }
  const x0 = (i % COLUMNS) * TILE;
  const y0 = Math.floor(i / COLUMNS) * TILE;
  for (let y = 0; y < TILE; y++) {
    const src = y * TILE * 4;
    const dst = ((y0 + y) * sheet.width + x0) * 4;
    img.data.copy(sheet.data, dst, src, src + TILE * 4);
  }
}

function buildSet(spec: SetSpec, entries: EmojiEntry[], dir: string): { bytes: number } {
  const rows = Math.ceil(entries.length / COLUMNS);
  const sheet = new PNG({ width: COLUMNS * TILE, height: rows * TILE });
  sheet.data.fill(0); // unused cells stay fully transparent
  entries.forEach((e, i) => blit(sheet, join(dir, IMG_DIR, e.image), i));
  const png = PNG.sync.write(sheet, { deflateLevel: 9, colorType: 6 });
  if (png.length > MAX_PNG_BYTES) {
    throw new Error(`${spec.name}.png is ${png.length} bytes, over the ${MAX_PNG_BYTES} budget`);
  }
  const manifest = {
    name: spec.name,
    label: spec.label,
    tile: TILE,
    count: entries.length,
    columns: COLUMNS,
    names: entries.map((e) => e.short_name),
    licence: LICENCE,
  };
  writeFileSync(join(OUT_DIR, `${spec.name}.png`), png);
  writeFileSync(join(OUT_DIR, `${spec.name}.json`), JSON.stringify(manifest, null, 2) + '\n');
  return { bytes: png.length };
}

function licensesMarkdown(counts: Map<string, number>, mitNotice: string): string {
  const apache = readFileSync(APACHE_TEXT, 'utf8');
  if (!/Apache License\s+Version 2\.0, January 2004/.test(apache)) {
    throw new Error(`${APACHE_TEXT} does not hold the Apache License 2.0 text`);
  }
  const sets = SETS.map((s) => `- \`${s.name}.png\` / \`${s.name}.json\`: ${counts.get(s.name)} images; ${s.selection}.`);
  return [
    '# Built-in dataset licences',
    '',
    'Generated by `scripts/build-emoji-datasets.ts`; do not edit by hand.',
    '',
    `## Emoji sprite sheets (${SETS.map((s) => s.name).join(', ')})`,
    '',
    ...sets,
    '',
    `- **Images:** Noto Emoji by Google (https://github.com/googlefonts/noto-emoji), taken as`,
    `  the 64×64 PNGs in the npm package \`${PACKAGE}@${VERSION}\` (\`img/google/64/\`).`,
    '  Licensed under the **Apache License, Version 2.0** (full terms below).',
    '- **Changes:** none to the pixels; the images were arranged into one sprite sheet per set',
    '  (tiles of 64×64 RGBA, left to right, top to bottom, in Unicode emoji order).',
    '- **Names:** the short names in the manifests come from `emoji.json` in the same package,',
    '  emoji-data by Cal Henderson, MIT licence (notice below).',
    '',
    '### MIT licence notice for emoji-data',
    '',
    '```',
    mitNotice.trim(),
    '```',
    '',
    '### Apache License, Version 2.0',
    '',
    '```',
    apache.trim(),
    '```',
    '',
  ].join('\n');
}

function main(): void {
  const tmpDir = mkdtempSync(join(tmpdir(), 'ganvas-emoji-'));
  try {
    const tarball = packTarball(tmpDir);
    extract(tarball, tmpDir, ['package/emoji.json', 'package/LICENSE']);
    const all = JSON.parse(readFileSync(join(tmpDir, 'package', 'emoji.json'), 'utf8')) as EmojiEntry[];
    const chosen = new Map(SETS.map((s) => [s.name, selectEntries(all, s)]));
    const images = [...chosen.values()].flat().map((e) => IMG_DIR + e.image);
    extract(tarball, tmpDir, [...new Set(images)]);
    mkdirSync(OUT_DIR, { recursive: true });
    const counts = new Map<string, number>();
    for (const spec of SETS) {
      const entries = chosen.get(spec.name)!;
      const { bytes } = buildSet(spec, entries, tmpDir);
      counts.set(spec.name, entries.length);
      console.log(`${spec.name}: ${entries.length} images, ${(bytes / 1024).toFixed(1)} KiB`);
    }
    const mit = readFileSync(join(tmpDir, 'package', 'LICENSE'), 'utf8');
    writeFileSync(join(OUT_DIR, 'LICENSES.md'), licensesMarkdown(counts, mit));
    console.log(`wrote ${OUT_DIR} (${statSync(join(OUT_DIR, 'LICENSES.md')).size} bytes of licences)`);
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

main();
