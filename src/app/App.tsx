import { lazy, Suspense, useCallback, useMemo, useState } from 'react';
import { Explorer } from './components/Explorer.tsx';
import { DatasetPanel } from './components/DatasetPanel.tsx';
import { Dialog } from './components/Dialog.tsx';
import { RunsPanel } from './components/RunsPanel.tsx';
import { Graduate } from './components/Graduate.tsx';
import { ShortcutsHelp } from './components/ShortcutsHelp.tsx';
import { TimelinePanel } from './components/TimelinePanel.tsx';
import { TopBar } from './components/TopBar.tsx';
import { TrainPanel } from './components/TrainPanel.tsx';
import { saveGridPng } from './grid-png.ts';
import { useShortcuts } from './shortcuts.ts';
import { useTheme } from './theme.ts';
import { readStartup, testHooksOn } from './url.ts';
import { useTrainer } from './useTrainer.ts';
import { useI18n } from './i18n/index.tsx';
import type { HowTarget } from './components/HowItWorks.tsx';

// The long explanations load on first open, not with the page.
const HowItWorks = lazy(() => import('./components/HowItWorks.tsx').then((m) => ({ default: m.HowItWorks })));

/** "Show me" from the explanations: bring that part of the page into view and focus it. */
function goTo(target: HowTarget): void {
  // After the dialog has closed and handed focus back to its opener, not before.
  requestAnimationFrame(() => setTimeout(() => focusPart(target)));
}

function focusPart(target: HowTarget): void {
  const selector: Record<HowTarget, string> = { data: '#data-heading', train: '#train-heading', explorer: '#explore-heading', settings: '.settings > summary' };
  const el = document.querySelector<HTMLElement>(selector[target]);
  if (!el) return;
  if (target === 'settings') (el.parentElement as HTMLDetailsElement).open = true;
  el.scrollIntoView({ block: 'start', behavior: 'smooth' });
  if (el.tabIndex < 0) el.tabIndex = -1;
  el.focus({ preventScroll: true });
}

export function App() {
  const startup = useMemo(() => readStartup(window.location.search, testHooksOn(window.localStorage)), []);
  const [ui, send] = useTrainer(startup);
  const { tm } = useI18n();
  const [theme, setTheme] = useTheme();
  const [dialog, setDialog] = useState<'how' | 'shortcuts' | null>(null);
  const [pins, setPins] = useState<[number, number]>([0, 1]);
  // Clicks alternate: the newest pick becomes B, the previous B becomes A.
  const pick = useCallback((i: number) => setPins(([, b]) => [b, i]), []);
  const canTrain = (ui.dataset?.count ?? 0) > 0 && ui.state !== 'loading';
  useShortcuts({
    toggle: () => (ui.looping ? send({ type: 'train/pause' }) : canTrain && send({ type: 'train/start' })),
    step: () => !ui.looping && canTrain && send({ type: 'train/step' }),
    exportGrid: () => ui.samples && saveGridPng(ui.samples.step),
    help: () => setDialog((d) => (d === 'shortcuts' ? null : 'shortcuts')),
    how: () => setDialog('how'),
  });
  const close = useCallback(() => setDialog(null), []);
  return (
    <div className="app">
      <TopBar
        state={ui.state}
        message={ui.message}
        backend={ui.backend}
        theme={theme}
        setTheme={setTheme}
        onHow={() => setDialog('how')}
        onShortcuts={() => setDialog('shortcuts')}
      />
      {startup.issues.length > 0 && (
        <ul className="url-issues" role="alert">
          {startup.issues.map((m, i) => (
            <li key={i}>{tm(m)}</li>
          ))}
        </ul>
      )}
      {ui.notices.length > 0 && (
        <ul className="notices" data-testid="notices" role="alert">
          {ui.notices.map((n) => (
            <li key={n.id} className={`notice-${n.level}`}>
              {tm(n.message)}
            </li>
          ))}
        </ul>
      )}
      <main className="layout">
        <div className="side">
          <DatasetPanel
            dataset={ui.dataset}
            preview={ui.preview}
            builtins={ui.builtins}
            limits={ui.limits}
            progress={ui.progress}
            change={ui.dataChange}
            send={send}
            busy={ui.state === 'loading'}
          />
          <TimelinePanel
            frames={ui.timeline}
            metrics={ui.metrics}
            config={ui.config}
            dataset={ui.dataset?.source.kind === 'builtin' ? ui.dataset.source.name : undefined}
            send={send}
          />
          <RunsPanel runs={ui.runs} current={ui.currentRun} send={send} canExport={ui.step > 0 && ui.state !== 'loading'} />
          <Graduate config={ui.config} step={ui.step} runName={ui.runName} canExport={ui.step > 0 && ui.state !== 'loading'} send={send} />
        </div>
        <div className="main-col">
          <TrainPanel ui={ui} send={send} onPick={pick} />
          {ui.samples && ui.config && (
            <Explorer
              model={ui.config.model}
              frame={ui.explorer}
              pins={pins}
              ppl={ui.ppl}
              projection={ui.projection}
              images={ui.dataset?.count ?? 0}
              dataset={ui.dataset}
              send={send}
            />
          )}
        </div>
      </main>
      <Dialog open={dialog === 'how'} onClose={close} labelledBy="how-title" className="how-dialog">
        <Suspense fallback={null}>
          <HowItWorks onClose={close} onGo={goTo} />
        </Suspense>
      </Dialog>
      <Dialog open={dialog === 'shortcuts'} onClose={close} labelledBy="shortcuts-title" className="small-dialog">
        <ShortcutsHelp onClose={close} />
      </Dialog>
    </div>
  );
}
