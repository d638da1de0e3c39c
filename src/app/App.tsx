import { useCallback, useMemo, useState } from 'react';
import { Explorer } from './components/Explorer.tsx';
import { DatasetPanel } from './components/DatasetPanel.tsx';
import { RunsPanel } from './components/RunsPanel.tsx';
import { TimelinePanel } from './components/TimelinePanel.tsx';
import { StatusBar } from './components/StatusBar.tsx';
import { TrainPanel } from './components/TrainPanel.tsx';
import { readStartup } from './url.ts';
import { useTrainer } from './useTrainer.ts';

export function App() {
  const startup = useMemo(() => readStartup(window.location.search), []);
  const [ui, send] = useTrainer(startup);
  const [pins, setPins] = useState<[number, number]>([0, 1]);
  // Clicks alternate: the newest pick becomes B, the previous B becomes A.
  const pick = useCallback((i: number) => setPins(([, b]) => [b, i]), []);
  return (
    <div className="app">
      <header className="topbar">
        <div>
          <h1>Ganvas</h1>
          <p className="tagline">Train a GAN in your browser and watch it learn. Your images never leave this page.</p>
        </div>
        <StatusBar state={ui.state} message={ui.message} backend={ui.backend} />
      </header>
      {startup.issues.length > 0 && (
        <ul className="url-issues" role="alert">{startup.issues.map((m) => <li key={m}>{m}</li>)}</ul>
      )}
      {ui.notices.length > 0 && (
        <ul className="notices" data-testid="notices" role="alert">
          {ui.notices.map((n) => <li key={n.id} className={`notice-${n.level}`}>{n.message}</li>)}
        </ul>
      )}
      <main className="layout">
        <div className="side">
          <DatasetPanel dataset={ui.dataset} preview={ui.preview} builtins={ui.builtins} limits={ui.limits} progress={ui.progress} send={send} busy={ui.state === 'loading'} />
          <TimelinePanel frames={ui.timeline} metrics={ui.metrics} config={ui.config} dataset={ui.dataset?.source.kind === 'builtin' ? ui.dataset.source.name : undefined} send={send} />
          <RunsPanel runs={ui.runs} current={ui.currentRun} send={send} canExport={ui.step > 0 && ui.state !== 'loading'} />
        </div>
        <div className="main-col">
          <TrainPanel ui={ui} send={send} onPick={pick} />
          {ui.samples && ui.config && <Explorer model={ui.config.model} frame={ui.explorer} pins={pins} send={send} />}
        </div>
      </main>
    </div>
  );
}
