import { useEffect, useState } from 'react';
import { useI18n, type MessageKey } from '../i18n/index.tsx';

const STEPS: { target: string; text: MessageKey }[] = [
  { target: 'grid', text: 'tour.grid' },
  { target: 'losses', text: 'tour.losses' },
  { target: 'dreal', text: 'tour.dReal' },
];
const DONE_KEY = 'ganvas.tourDone';

function seen(): boolean {
  try {
    return localStorage.getItem(DONE_KEY) === '1';
  } catch {
    return false;
  }
}

/**
 * The guided first run: once training has begun on a first visit, three short captions point
 * at what to watch (the grid, the losses, D's verdicts), each highlighting its target. Inline,
 * not a modal: the page keeps working underneath, and it never comes back once dismissed.
 */
export function Tour({ active }: { active: boolean }) {
  const { t } = useI18n();
  const [index, setIndex] = useState<number | null>(() => (seen() ? null : 0));
  const step = index === null ? undefined : STEPS[index];
  const show = active && step !== undefined;

  useEffect(() => {
    if (!show) return;
    const el = document.querySelector(`[data-tour="${step.target}"]`);
    el?.classList.add('tour-target');
    return () => el?.classList.remove('tour-target');
  }, [show, step]);

  if (!show) return null;
  const finish = () => {
    setIndex(null);
    try {
      localStorage.setItem(DONE_KEY, '1');
    } catch {
      // storage blocked: the guide may come back next visit, nothing worse
    }
  };
  const last = index === STEPS.length - 1;
  return (
    <aside className="tour" data-testid="tour" aria-live="polite" aria-label={t('tour.label', { i: index! + 1, n: STEPS.length })}>
      <p>{t(step.text)}</p>
      <div className="row">
        <small>
          {index! + 1} / {STEPS.length}
        </small>
        {!last && (
          <button type="button" onClick={() => setIndex(index! + 1)}>
            {t('tour.next')}
          </button>
        )}
        <button type="button" className={last ? 'primary' : 'link'} onClick={finish}>
          {last ? t('tour.done') : t('app.dismiss')}
        </button>
      </div>
    </aside>
  );
}
