/**
 * The run kept: its identity, autosaves to this browser, project files out and in, and the
 * saved-runs list (resume, rename, duplicate, delete).
 */
import { decodeProject, encodeProject } from '../../gan/project/checkpoint.ts';
import type { StoredProjection } from '../../gan/project/checkpoint-projections.ts';
import { GanTrainer } from '../../gan/train/trainer.ts';
import type { TrainConfig } from '../../contract/config.ts';
import { messageOf, msg, type Message } from '../../contract/messages.ts';
import { adoptDataset, datasetIdOf, newRun, partsOf, projectFileName, snapshotOf, storedDataset, type OpenedRun } from '../project.ts';
import { deleteRun, duplicateRun, listRuns, loadRun, loadRunDataset, renameRun, saveRun, type DatasetPart } from '../runs.ts';
import { pixelsOf, type SessionState } from './state.ts';

/** What opening a run asks of the rest of the session. */
export interface KeeperHooks {
  /** Another model is in place: the loop's guard and reports start afresh. */
  replaced(): void;
  render(): Promise<void>;
  /** The projected pins saved with the run and restored with it. */
  pins?: { saved(): StoredProjection[]; restore(pins: StoredProjection[] | undefined): void };
}

export class RunKeeper {
  constructor(
    private readonly s: SessionState,
    private readonly hooks: KeeperHooks,
  ) {}

  /** Names the new model's run after its data and tells the page (the old run stops being current). */
  async begin(name: string): Promise<void> {
    this.s.run = newRun(name);
    this.s.post({ type: 'run', name });
    await this.postRuns().catch(() => undefined);
  }

  /** `withDataset: false` for an autosave, whose images are stored once beside it (runs.ts). */
  private async snapshot(withDataset = true) {
    const s = this.s;
    s.run ??= newRun('run');
    const snapshot = await snapshotOf(s.run, s.trainer!, s.history, s.dataset.set, s.timeline.frames, withDataset);
    const projections = this.hooks.pins?.saved() ?? [];
    return projections.length ? { ...snapshot, projections } : snapshot;
  }

  /** Saves the run to IndexedDB; a failure is reported and training goes on. True when saved. */
  async autosave(): Promise<boolean> {
    const { trainer, config } = this.s;
    if (!trainer || trainer.step === 0) return false;
    try {
      const snapshot = await this.snapshot(false);
      const run = this.s.run!;
      const set = this.s.dataset.set;
      await saveRun(
        { id: run.id, name: run.name, step: trainer.step, updated: snapshot.meta.updated, res: config.res, model: config.model },
        encodeProject(snapshot),
        { id: datasetIdOf(set), data: storedDataset(set) },
      );
      await this.postRuns();
      return true;
    } catch (e) {
      this.s.notice('warning', msg('runs.autosaveFailed', { reason: messageOf(e) }));
      return false;
    }
  }

  /** Autosaves the current run before new data replaces it; its name, when it was saved. */
  async saveBeforeReplacing(): Promise<string | undefined> {
    return (await this.autosave()) ? this.s.run?.name : undefined;
  }

  async exportProject(): Promise<void> {
    const { trainer } = this.s;
    if (!trainer) return this.s.notice('error', msg('runs.noModel'));
    const bytes = encodeProject(await this.snapshot());
    const buffer = bytes.buffer as ArrayBuffer;
    this.s.post({ type: 'project', name: projectFileName(this.s.run!, trainer.step), bytes: buffer }, [buffer]);
  }

  /** `current` names only a run that is saved: the page resumes it after a crash. */
  async postRuns(): Promise<void> {
    const runs = await listRuns();
    const id = this.s.run?.id;
    this.s.post({ type: 'runs', runs, current: runs.some((r) => r.id === id) ? id : undefined });
  }

  async resume(id: string): Promise<void> {
    const bytes = await loadRun(id);
    if (!bytes) return this.s.notice('error', msg('runs.gone'));
    return this.open(bytes, id, msg('runs.theSavedRun'), await loadRunDataset(id));
  }

  async rename(id: string, name: string): Promise<void> {
    await renameRun(id, name);
    const run = this.s.run;
    if (run?.id === id) {
      this.s.run = { ...run, name };
      this.s.post({ type: 'run', name });
    }
    return this.postRuns();
  }

  async duplicate(id: string): Promise<void> {
    await duplicateRun(id, newRun('copy').id);
    return this.postRuns();
  }

  async remove(id: string): Promise<void> {
    await deleteRun(id);
    if (this.s.run?.id === id) this.s.run = undefined;
    return this.postRuns();
  }

  /** Opens a project file or saved run; a bad one is refused and the current run is untouched. */
  /** `stored`: a saved run's images, kept apart from its file (runs.ts). */
  async open(bytes: Uint8Array, id: string | undefined, what: string | Message, stored?: DatasetPart): Promise<void> {
    const opened = await this.check(bytes, id, stored);
    if ('key' in opened) return this.s.notice('error', msg('runs.cannotOpen', { what, reason: opened }));
    await this.install(opened);
    // A project file becomes a saved run before it is announced: the page resumes the current run
    // after a crash, and a run that is only in memory would be gone.
    if (id === undefined) await this.autosave();
    this.s.status('paused', msg('runs.opened', { name: opened.parts.run.name, step: opened.trainer.step }));
  }

  /** A trainer holding the file's state, built beside the current one; or why the file cannot be opened. */
  private async check(bytes: Uint8Array, id: string | undefined, stored: DatasetPart | undefined): Promise<Opened | Message> {
    const s = this.s;
    const decoded = decodeProject(bytes);
    if (!decoded.ok) return decoded.reason;
    const whole = stored && !decoded.snapshot.dataset && fits(stored);
    const snapshot = whole ? { ...decoded.snapshot, dataset: stored.data } : decoded.snapshot;
    const parts = await partsOf(snapshot, id);
    if (whole && parts.dataset) adoptDataset(parts.dataset, stored);
    const current = s.dataset.set;
    const res = snapshot.config.res;
    if (!parts.dataset && current.res !== res) return msg('runs.otherRes', { res: current.res, want: res });
    const tooBig = s.tooBig(snapshot.config, (parts.dataset ?? current).count);
    if (tooBig) return tooBig;
    const trainer = new GanTrainer(snapshot.config, parts.dataset ?? current);
    const problem = trainer.importState(snapshot);
    if (!problem) return { trainer, config: snapshot.config, name: snapshot.meta.name, parts, projections: snapshot.projections };
    trainer.dispose();
    return problem;
  }

  /** Puts an opened run in place of the current one and shows it: weights, data, chart, timeline. */
  private async install({ trainer, config, name, parts, projections }: Opened): Promise<void> {
    const s = this.s;
    s.running = false;
    this.hooks.replaced();
    s.quality.reset();
    s.cutTimeline(-1);
    s.trainer?.dispose();
    s.trainer = trainer;
    this.hooks.pins?.restore(projections);
    s.config = config;
    if (parts.dataset) s.dataset.restore(parts.dataset, name);
    s.run = parts.run;
    s.post({ type: 'run', name: parts.run.name });
    s.history = parts.history;
    s.timeline.restore(parts.timeline);
    for (const f of parts.timeline) {
      const image = pixelsOf(f, true);
      s.post({ type: 'timeline', step: f.step, image }, [image.pixels]);
    }
    s.quality.setDataset(s.dataset.set);
    s.postDataset();
    s.postConfig();
    s.post({ type: 'step', step: 0 });
    s.post({ type: 'metrics', points: s.history });
    s.post({ type: 'step', step: trainer.step });
    await this.hooks.render();
    await this.postRuns();
  }
}

/** A stored dataset whose bytes are as many as its count and size say (else the run opens on the current images). */
const fits = ({ data }: DatasetPart) => data.pixels.length === data.count * data.res * data.res * 3 && data.names.length === data.count;

interface Opened {
  trainer: GanTrainer;
  config: TrainConfig;
  name: string;
  parts: OpenedRun;
  projections: StoredProjection[] | undefined;
}
