import { useState, type ReactNode } from 'react';
import { MODEL_DEFAULTS, MODEL_KINDS, PRESETS, presetOf, validateConfig, type ModelKind, type PresetName, type TrainConfig } from '../../contract/config.ts';
import type { Send } from '../useTrainer.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { Help } from './Help.tsx';

const PRESET_LABELS: Record<PresetName, MessageKey> = {
  tiny: 'settings.preset.tiny',
  small: 'settings.preset.small',
  full: 'settings.preset.full',
};

/** Every model kind gets a label (the Record makes a new kind a compile error until it has one). */
const MODEL_LABELS: Record<ModelKind, MessageKey> = {
  dcgan: 'settings.model.dcgan',
  stylegan: 'settings.model.stylegan',
  autoencoder: 'settings.model.autoencoder',
  vae: 'settings.model.vae',
};

type NumField = 'batch' | 'lrG' | 'lrD' | 'beta1' | 'seed' | 'r1Gamma' | 'emaHalfLife';
const FIELDS: { key: NumField; label: MessageKey; step: string; help: MessageKey; only?: ModelKind }[] = [
  { key: 'batch', label: 'settings.batch', step: '1', help: 'explain.batch' },
  { key: 'lrG', label: 'settings.lrG', step: '0.0001', help: 'explain.lr' },
  { key: 'lrD', label: 'settings.lrD', step: '0.0001', help: 'explain.lr' },
  { key: 'beta1', label: 'settings.beta1', step: '0.05', help: 'explain.beta1' },
  { key: 'seed', label: 'settings.seed', step: '1', help: 'explain.seed' },
  { key: 'r1Gamma', label: 'settings.r1Gamma', step: '0.01', help: 'explain.r1', only: 'stylegan' },
  { key: 'emaHalfLife', label: 'settings.emaHalfLife', step: '1000', help: 'explain.ema', only: 'stylegan' },
];

type FlagField = 'augColor' | 'augTranslation' | 'augCutout' | 'ada' | 'xflip' | 'r1GammaAuto';
const FLAGS: { key: FlagField; label: MessageKey; help: MessageKey; only?: ModelKind }[] = [
  { key: 'augColor', label: 'settings.augColor', help: 'explain.augment' },
  { key: 'augTranslation', label: 'settings.augTranslation', help: 'explain.augment' },
  { key: 'augCutout', label: 'settings.augCutout', help: 'explain.augment' },
  { key: 'ada', label: 'settings.ada', help: 'explain.augmentP' },
  { key: 'xflip', label: 'settings.xflip', help: 'explain.xflip' },
  // On: γ = 0.0002·res²/batch and the γ field is not used; off: the γ field (0 switches R1 off).
  { key: 'r1GammaAuto', label: 'settings.r1GammaAuto', help: 'explain.r1', only: 'stylegan' },
];

/**
 * A labelled control with its explanation beside the label (not inside it, so the name stays short).
 * `wide`: the field takes the whole row, so a select with long option text shows all of it.
 */
function Field({ id, label, help, wide, children }: { id: string; label: string; help: MessageKey; wide?: boolean; children: ReactNode }) {
  return (
    <div className={wide ? 'field wide' : 'field'}>
      <span className="field-head">
        <label htmlFor={id}>{label}</label> <Help topic={help} />
      </span>
      {children}
    </div>
  );
}

/** Settings are edited as a draft and applied together: applying rebuilds the model. */
export function Settings({ config, send, locked }: { config: TrainConfig | undefined; send: Send; locked: boolean }) {
  const { t, tm } = useI18n();
  const [draft, setDraft] = useState<TrainConfig | undefined>(config);
  // New settings in force (applied, refused, a new model) replace the draft, during render rather than after it.
  const [shown, setShown] = useState(config);
  if (config !== shown) {
    setShown(config);
    setDraft(config);
  }
  if (!draft || !config) return null;
  const issues = validateConfig(draft);
  const changed = JSON.stringify(draft) !== JSON.stringify(config);
  const preset = presetOf(draft);
  return (
    <details className="settings" open={!locked && changed ? true : undefined}>
      <summary>
        {t('settings.summary')} {locked && <small>{t('settings.locked')}</small>}
      </summary>
      <fieldset disabled={locked}>
        <Field id="setting-model" label={t('settings.model')} help="explain.model" wide>
          <select
            id="setting-model"
            data-testid="setting-model"
            value={draft.model}
            onChange={(e) => {
              const model = e.target.value as ModelKind;
              setDraft({ ...draft, model, ...MODEL_DEFAULTS[model] });
            }}
          >
            {MODEL_KINDS.map((m) => (
              <option key={m} value={m}>
                {t(MODEL_LABELS[m])}
              </option>
            ))}
          </select>
        </Field>
        <Field id="setting-preset" label={t('settings.size')} help="explain.size" wide>
          <select
            id="setting-preset"
            data-testid="preset"
            value={preset ?? ''}
            onChange={(e) => setDraft({ ...draft, ...PRESETS[e.target.value as PresetName] })}
          >
            {!preset && <option value="">{t('settings.custom', { res: draft.res, width: draft.width })}</option>}
            {(Object.keys(PRESETS) as PresetName[]).map((p) => (
              <option key={p} value={p}>
                {t(PRESET_LABELS[p])}
              </option>
            ))}
          </select>
        </Field>
        {FIELDS.filter((f) => !f.only || f.only === draft.model).map((f) => (
          <Field key={f.key} id={`setting-${f.key}`} label={t(f.label)} help={f.help}>
            <input
              id={`setting-${f.key}`}
              type="number"
              step={f.step}
              value={draft[f.key]}
              data-testid={`setting-${f.key}`}
              onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value === '' ? NaN : Number(e.target.value) })}
            />
          </Field>
        ))}
        <div className="flags" role="group" aria-label={t('settings.augGroup')}>
          {FLAGS.filter((f) => !f.only || f.only === draft.model).map((f) => (
            <label key={f.key} title={t(f.help)} className="flag">
              <input
                type="checkbox"
                checked={draft[f.key]}
                data-testid={`setting-${f.key}`}
                onChange={(e) => setDraft({ ...draft, [f.key]: e.target.checked })}
              />
              {t(f.label)}
            </label>
          ))}
        </div>
        {issues.map((i) => (
          <p key={i.field} className="error" role="alert">
            {tm(i.message)}
          </p>
        ))}
        <div className="row">
          <button type="button" disabled={!changed || issues.length > 0} onClick={() => send({ type: 'config', config: draft })}>
            {t('settings.apply')}
          </button>
          <button type="button" className="secondary" disabled={!changed} onClick={() => setDraft(config)}>
            {t('settings.revert')}
          </button>
        </div>
      </fieldset>
    </details>
  );
}
