import type { TrainConfig } from '../../contract/config.ts';
import type { Send } from '../useTrainer.ts';
import { useI18n } from '../i18n/index.tsx';
import { Help } from './Help.tsx';
import { useState } from 'react';

const COUNTS = [0, 1, 2, 3, 4, 5];

/**
 * GAN Lab's game controls for image GANs: how many D and G updates make a round, and slow
 * motion (one round a second) with the player who is learning highlighted. Applied live.
 */
export function GameControls({ config, phase, send }: { config: TrainConfig; phase: 'd' | 'g' | null; send: Send }) {
  const { t } = useI18n();
  const [slow, setSlow] = useState(false);
  const game = (next: { dSteps?: number; gSteps?: number; slowMotion?: boolean }) => {
    const merged = { dSteps: config.dSteps, gSteps: config.gSteps, slowMotion: slow, ...next };
    if (merged.dSteps === 0 && merged.gSteps === 0) return;
    setSlow(merged.slowMotion);
    send({ type: 'train/game', ...merged });
  };
  return (
    <fieldset className="game row" data-testid="game-controls">
      <legend>{t('train.game')}</legend>
      <Help topic="explain.game" />
      <label className={`flag player${phase === 'd' ? ' active' : ''}`}>
        {t('train.dSteps')}
        <select data-testid="d-steps" value={config.dSteps} onChange={(e) => game({ dSteps: Number(e.target.value) })}>
          {COUNTS.map((n) => <option key={n} value={n} disabled={n === 0 && config.gSteps === 0}>{n}</option>)}
        </select>
      </label>
      <label className={`flag player${phase === 'g' ? ' active' : ''}`}>
        {t('train.gSteps')}
        <select data-testid="g-steps" value={config.gSteps} onChange={(e) => game({ gSteps: Number(e.target.value) })}>
          {COUNTS.map((n) => <option key={n} value={n} disabled={n === 0 && config.dSteps === 0}>{n}</option>)}
        </select>
      </label>
      <label className="flag">
        <input type="checkbox" data-testid="slow-motion" checked={slow} onChange={(e) => game({ slowMotion: e.target.checked })} />
        {t('train.slow')}
      </label>
      {phase && <p className="phase" data-testid="phase" data-phase={phase} role="status">{t(phase === 'd' ? 'train.phase.d' : 'train.phase.g')}</p>}
    </fieldset>
  );
}
