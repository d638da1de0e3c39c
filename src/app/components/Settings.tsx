import { useEffect, useState } from 'react';
import { MODEL_DEFAULTS, PRESETS, presetOf, validateConfig, type ModelKind, type PresetName, type TrainConfig } from '../../contract/config.ts';
import type { Send } from '../useTrainer.ts';

const PRESET_LABELS: Record<PresetName, string> = {
  tiny: 'Tiny · 16×16, narrow (fast anywhere)',
  small: 'Small · 32×32 (needs a GPU to be quick)',
  full: 'Full · 64×64 (GPU)',
};

type NumField = 'batch' | 'lrG' | 'lrD' | 'beta1' | 'seed';
const FIELDS: { key: NumField; label: string; step: string; hint: string }[] = [
  { key: 'batch', label: 'Batch size', step: '1', hint: 'images per step' },
  { key: 'lrG', label: 'G learning rate', step: '0.0001', hint: 'Adam step size for the generator' },
  { key: 'lrD', label: 'D learning rate', step: '0.0001', hint: 'Adam step size for the discriminator' },
  { key: 'beta1', label: 'Adam β1', step: '0.05', hint: '0.5 damps oscillation in the two-player game' },
  { key: 'seed', label: 'Seed', step: '1', hint: 'same seed, same run' },
];

type FlagField = 'augColor' | 'augTranslation' | 'augCutout' | 'ada' | 'xflip';
const FLAGS: { key: FlagField; label: string; hint: string }[] = [
  { key: 'augColor', label: 'Augment colour', hint: 'DiffAugment: brightness, saturation and contrast jitter on what D sees, real and fake alike' },
  { key: 'augTranslation', label: 'Augment translation', hint: 'DiffAugment: shift by up to 1/8 of the image, zero-padded' },
  { key: 'augCutout', label: 'Augment cutout', hint: 'DiffAugment: blank a half-size square at random' },
  { key: 'ada', label: 'Adaptive (ADA)', hint: 'apply each augmentation with probability p, raised while D is too sure of the reals (target 0.6)' },
  { key: 'xflip', label: 'Mirror reals', hint: 'flip training images left–right at random: doubles a small dataset' },
];

/** Settings are edited as a draft and applied together: applying rebuilds the model. */
export function Settings({ config, send, locked }: { config: TrainConfig | undefined; send: Send; locked: boolean }) {
  const [draft, setDraft] = useState<TrainConfig | undefined>(config);
  useEffect(() => setDraft(config), [config]);
  if (!draft || !config) return null;
  const issues = validateConfig(draft);
  const changed = JSON.stringify(draft) !== JSON.stringify(config);
  const preset = presetOf(draft);
  return (
    <details className="settings" open={!locked && changed ? true : undefined}>
      <summary>Settings {locked && <small>(pause to change)</small>}</summary>
      <fieldset disabled={locked}>
        <label className="field">
          <span>Model</span>
          <select data-testid="setting-model" value={draft.model} onChange={(e) => {
            const model = e.target.value as ModelKind;
            setDraft({ ...draft, model, ...MODEL_DEFAULTS[model] });
          }}>
            <option value="dcgan">DCGAN (Radford et al. 2015)</option>
            <option value="stylegan">StyleGAN2-style: mapping network, styles, noise</option>
          </select>
        </label>
        <label className="field">
          <span>Size</span>
          <select data-testid="preset" value={preset ?? ''} onChange={(e) => setDraft({ ...draft, ...PRESETS[e.target.value as PresetName] })}>
            {!preset && <option value="">custom ({draft.res}×{draft.res}, width {draft.width})</option>}
            {(Object.keys(PRESETS) as PresetName[]).map((p) => <option key={p} value={p}>{PRESET_LABELS[p]}</option>)}
          </select>
        </label>
        {FIELDS.map((f) => (
          <label className="field" key={f.key} title={f.hint}>
            <span>{f.label}</span>
            <input type="number" step={f.step} value={draft[f.key]} data-testid={`setting-${f.key}`}
              onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value === '' ? NaN : Number(e.target.value) })} />
          </label>
        ))}
        <div className="flags" role="group" aria-label="augmentation for small datasets">
          {FLAGS.map((f) => (
            <label key={f.key} title={f.hint} className="flag">
              <input type="checkbox" checked={draft[f.key]} data-testid={`setting-${f.key}`} onChange={(e) => setDraft({ ...draft, [f.key]: e.target.checked })} />
              {f.label}
            </label>
          ))}
        </div>
        {issues.map((i) => <p key={i.field} className="error" role="alert">{i.message}</p>)}
        <div className="row">
          <button type="button" disabled={!changed || issues.length > 0} onClick={() => send({ type: 'config', config: draft })}>
            Apply (restarts the model)
          </button>
          <button type="button" className="secondary" disabled={!changed} onClick={() => setDraft(config)}>Revert</button>
        </div>
      </fieldset>
    </details>
  );
}
