import type { TrainConfig } from '../../contract/config.ts';
import type { Send } from '../useTrainer.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { Help } from './Help.tsx';
import { useState } from 'react';

const COUNTS = [0, 1, 2, 3, 4, 5];

type Counts = Pick<TrainConfig, 'dSteps' | 'gSteps'>;

/** The two players' step counts; neither may reach 0 while the other is 0. */
const PLAYERS = [
  { phase: 'd', key: 'dSteps', other: 'gSteps', label: 'train.dSteps', testId: 'd-steps' },
  { phase: 'g', key: 'gSteps', other: 'dSteps', label: 'train.gSteps', testId: 'g-steps' },
] as const satisfies readonly { phase: 'd' | 'g'; key: 'dSteps' | 'gSteps'; other: 'dSteps' | 'gSteps'; label: MessageKey; testId: string }[];

/**
 * GAN Lab's game controls for image GANs: how many D and G updates make a round, and slow
 * motion (one round a second) with the player who is learning highlighted. Applied live.
 */
export function GameControls({ config, phase, send }: { config: TrainConfig; phase: 'd' | 'g' | null; send: Send }) {
  const { t } = useI18n();
  const [slow, setSlow] = useState(false);
  // What the person chose and the Worker has not echoed yet: two quick changes must build on
  // each other, not on the config the Worker last posted (which would undo the first one).
  const [sent, setSent] = useState<Counts | null>(null);
  const counts: Counts = sent && !(sent.dSteps === config.dSteps && sent.gSteps === config.gSteps) ? sent : config;
  const game = (next: Partial<Counts> & { slowMotion?: boolean }) => {
    const merged = { dSteps: counts.dSteps, gSteps: counts.gSteps, slowMotion: slow, ...next };
    if (merged.dSteps === 0 && merged.gSteps === 0) return;
    setSlow(merged.slowMotion);
    setSent({ dSteps: merged.dSteps, gSteps: merged.gSteps });
    send({ type: 'train/game', ...merged });
  };
  return (
    <fieldset className="game row" data-testid="game-controls">
      <legend>{t('train.game')}</legend>
      <Help topic="explain.game" />
      {PLAYERS.map(({ phase: who, key, other, label, testId }) => (
        <label key={key} className={`flag player${phase === who ? ' active' : ''}`}>
          {t(label)}
          <select data-testid={testId} value={counts[key]} onChange={(e) => game({ [key]: Number(e.target.value) })}>
            {COUNTS.map((n) => (
              <option key={n} value={n} disabled={n === 0 && counts[other] === 0}>
                {n}
              </option>
            ))}
          </select>
        </label>
      ))}
      <label className="flag">
        <input type="checkbox" data-testid="slow-motion" checked={slow} onChange={(e) => game({ slowMotion: e.target.checked })} />
        {t('train.slow')}
      </label>
      {phase && (
        <p className="phase" data-testid="phase" data-phase={phase} role="status">
          {t(phase === 'd' ? 'train.phase.d' : 'train.phase.g')}
        </p>
      )}
    </fieldset>
  );
}
