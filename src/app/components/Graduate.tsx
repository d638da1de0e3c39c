import { useId, useState } from 'react';
import type { TrainConfig } from '../../contract/config.ts';
import { mbstdGroupSize } from '../../contract/mbstd.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Send } from '../useTrainer.ts';
import { Dialog } from './Dialog.tsx';

/** Steps between checkpoints in the suggested command: a preempted machine loses at most these. */
const CHECKPOINT_EVERY = 1000;
const DEFAULT_STEPS = 10_000;
const MAX_GPUS = 64;
/** The page's largest batch (config.ts NUMERIC_LIMITS), which the file must keep to open again. */
const MAX_BATCH = 256;

/**
 * What PyTorch does not continue yet, named for the message; undefined when it does. Augmentation
 * (x-flip, DiffAugment, ADA with its p) continues: python/ganvas_torch/augment.py draws as Ganvas does.
 */
function notYet(c: TrainConfig): string | undefined {
  return c.model !== 'dcgan' && c.model !== 'stylegan' ? c.model : undefined;
}

/** The file name the Worker gives the exported project (worker/project.ts projectFileName). */
function exportedName(run: string | undefined, step: number): string {
  const safe =
    (run ?? '')
      .replace(/[^\p{L}\p{N} _-]+/gu, ' ')
      .trim()
      .replace(/\s+/g, '-') || 'ganvas-run';
  return `${safe}-step${step}.ganvas`;
}

/**
 * The global batch the command uses: the run's, or the next that splits evenly over the GPUs. For
 * StyleGAN each GPU's share must also hold whole minibatch-stddev groups (their size follows the
 * batch, contract/mbstd.ts), as python/ganvas_torch/style_round.py requires.
 */
export function globalBatch(batch: number, gpus: number, model: TrainConfig['model'] = 'dcgan'): number {
  const fits = (b: number) => b % gpus === 0 && (model !== 'stylegan' || (b / gpus) % mbstdGroupSize(b, 4) === 0);
  for (let b = batch; b <= MAX_BATCH; b++) if (fits(b)) return b;
  return Math.ceil(batch / gpus) * gpus;
}

/** The exact command that continues this run under torchrun (python/ganvas_torch/train.py). */
export function graduateCommand(file: string, gpus: number, steps: number, batch: number, model: TrainConfig['model'] = 'dcgan'): string {
  const out = file.replace(/\.ganvas$/, '-gpu.ganvas');
  const stylegan = model === 'stylegan';
  return [
    'PYTHONPATH=python torchrun',
    `--nproc_per_node ${gpus}`,
    '-m ganvas_torch.train',
    `--project ${file}`,
    `--steps ${steps}`,
    `--batch ${globalBatch(batch, gpus, model)}`,
    `--out ${out}`,
    `--checkpoint-every ${CHECKPOINT_EVERY}`,
    // The page's noise draws cost about 1 µs a value on the CPU, more than a GPU's whole step at 64 px.
    ...(stylegan ? ['--noise torch'] : []),
  ].join(' ');
}

/**
 * *Continue on a GPU machine…*: the way out of the browser in two steps (export this project; run
 * the shown torchrun command beside a checkout of Ganvas) and the way back (Open project…).
 */
export function Graduate({
  config,
  step,
  runName,
  canExport,
  send,
}: {
  config: TrainConfig | undefined;
  step: number;
  runName: string | undefined;
  canExport: boolean;
  send: Send;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [gpus, setGpus] = useState(1);
  const [steps, setSteps] = useState(DEFAULT_STEPS);
  const [copied, setCopied] = useState(false);
  const id = useId();
  if (!config) return null;
  const blocked = notYet(config);
  const command = graduateCommand(exportedName(runName, step), gpus, steps, config.batch, config.model);
  const batch = globalBatch(config.batch, gpus, config.model);
  const copy = () => {
    void navigator.clipboard
      ?.writeText(command)
      .then(() => setCopied(true))
      .catch(() => setCopied(false));
  };
  return (
    <>
      <button type="button" className="link" data-testid="graduate-open" onClick={() => setOpen(true)}>
        {t('graduate.open')}
      </button>
      <Dialog open={open} onClose={() => setOpen(false)} labelledBy={`${id}-title`} className="graduate">
        <div data-testid="graduate-dialog">
          <h2 id={`${id}-title`}>{t('graduate.title')}</h2>
          <p>{t('graduate.intro')}</p>
          {blocked ? (
            <p role="alert" data-testid="graduate-not-yet">
              {t('graduate.notYet', { what: blocked })}
            </p>
          ) : (
            <>
              <p>{t('graduate.step1')}</p>
              <button type="button" disabled={!canExport} onClick={() => send({ type: 'project/export' })}>
                {t('runs.export')}
              </button>
              <p>{t('graduate.step2')}</p>
              <div className="row">
                <label>
                  {t('graduate.gpus')}{' '}
                  <input
                    type="number"
                    data-testid="graduate-gpus"
                    min={1}
                    max={MAX_GPUS}
                    value={gpus}
                    onChange={(e) => setGpus(Math.min(MAX_GPUS, Math.max(1, Math.floor(Number(e.target.value)) || 1)))}
                  />
                </label>
                <label>
                  {t('graduate.steps')}{' '}
                  <input
                    type="number"
                    data-testid="graduate-steps"
                    min={1}
                    step={1000}
                    value={steps}
                    onChange={(e) => setSteps(Math.max(1, Math.floor(Number(e.target.value)) || 1))}
                  />
                </label>
              </div>
              <pre>
                <code data-testid="graduate-command">{command}</code>
              </pre>
              <button type="button" onClick={copy}>
                {copied ? t('graduate.copied') : t('graduate.copy')}
              </button>
              {batch !== config.batch && <p className="hint">{t('graduate.batchSplit', { batch: config.batch, n: gpus, fixed: batch })}</p>}
              {config.model === 'stylegan' && (
                <p className="hint" data-testid="graduate-noise">
                  {t('graduate.styleNoise')}
                </p>
              )}
              <p>{t('graduate.step3')}</p>
            </>
          )}
          <button type="button" onClick={() => setOpen(false)}>
            {t('graduate.close')}
          </button>
        </div>
      </Dialog>
    </>
  );
}
