/**
 * ganvas_torch starts a fresh run (`--data`) from a copy of the page's defaults
 * (python/ganvas_torch/page_defaults.json): this fails when the page's defaults move without it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, MODEL_DEFAULTS } from '../../src/contract/config.ts';
import { DEFAULT_PREPARE } from '../../src/data/types.ts';

const copy = JSON.parse(readFileSync(new URL('../../python/ganvas_torch/page_defaults.json', import.meta.url), 'utf8'));

describe("ganvas_torch's copy of the page's defaults", () => {
  it('equals the config, the per-model optimizer settings and the image preparation the page uses', () => {
    // On failure: write DEFAULT_CONFIG, MODEL_DEFAULTS and DEFAULT_PREPARE into the JSON file as they are now.
    expect(copy).toEqual({ config: DEFAULT_CONFIG, models: MODEL_DEFAULTS, prepare: DEFAULT_PREPARE });
  });
});
