import { useState } from 'react';
import type { WorkerEvent } from '../../contract/protocol.ts';
import type { Send } from '../useTrainer.ts';
import { useI18n } from '../i18n/index.tsx';

type Change = WorkerEvent & { type: 'dataset/changed' };

/**
 * One line, where the images were just added, saying what they did to the model: a fresh model
 * for new data (and where the previous run went), or the same model continuing on more images,
 * with the choice to start fresh instead.
 */
export function DataChange({ change, send }: { change: Change | undefined; send: Send }) {
  const { t, num } = useI18n();
  // A new change is a new object, so dismissing one never hides the next.
  const [dismissed, setDismissed] = useState<Change | undefined>();
  if (!change || dismissed === change) return null;
  const text =
    change.change === 'fresh'
      ? t(change.saved ? 'data.changed.freshSaved' : 'data.changed.fresh', { run: change.run, saved: change.saved ?? '', n: num(change.count) })
      : t('data.changed.appended', { run: change.run, n: num(change.count) });
  return (
    <p className="data-change" data-testid="data-change" data-change={change.change} role="status">
      {text}{' '}
      {change.change === 'appended' && (
        <button
          type="button"
          data-testid="data-start-fresh"
          onClick={() => {
            send({ type: 'train/reset' });
            setDismissed(change);
          }}
        >
          {t('data.changed.startFresh', { n: num(change.count) })}
        </button>
      )}{' '}
      <button type="button" className="link" onClick={() => setDismissed(change)}>
        {t('app.dismiss')}
      </button>
    </p>
  );
}
