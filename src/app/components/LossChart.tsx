import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricColumns } from '../state.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';

const SERIES: { key: keyof Omit<MetricColumns, 'step'>; label: MessageKey; color: string; scale: string }[] = [
  { key: 'gLoss', label: 'chart.gLoss', color: '#e8590c', scale: 'loss' },
  { key: 'dLoss', label: 'chart.dLoss', color: '#1c7ed6', scale: 'loss' },
  { key: 'dReal', label: 'chart.dReal', color: '#2f9e44', scale: 'prob' },
  { key: 'dFake', label: 'chart.dFake', color: '#ae3ec9', scale: 'prob' },
  { key: 'augmentP', label: 'chart.augmentP', color: '#868e96', scale: 'prob' },
];

/** A reconstruction baseline has no judge: its two losses are the pixel error and the KL term, and D's outputs are hidden. */
const AE_LABELS: Partial<Record<keyof MetricColumns, MessageKey>> = { gLoss: 'chart.recon', dLoss: 'chart.kl' };

/** Nothing hovered: the legend shows the latest report instead of uPlot's empty "--" (hovering still shows that step's values). */
function showLatest(u: uPlot): void {
  const n = u.data[0]?.length ?? 0;
  // Without firing the hook again, so no loop.
  if (u.cursor.idx == null && n > 0) u.setLegend({ idx: n - 1 }, false);
}

/** Losses on the left axis, D's mean outputs (probabilities) on the right. */
export function LossChart({ metrics, reconstruction }: { metrics: MetricColumns; reconstruction: boolean }) {
  const { t } = useI18n();
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(metrics);

  useEffect(() => {
    const el = host.current!;
    const opts: uPlot.Options = {
      width: el.clientWidth || 400,
      height: 220,
      legend: { show: true },
      hooks: { setLegend: [showLatest] },
      scales: { x: { time: false }, prob: { range: [0, 1] } },
      axes: [
        { label: t('chart.step'), stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.15)' } },
        { scale: 'loss', label: t('chart.loss'), stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.15)' } },
        { scale: 'prob', side: 1, label: t('chart.dOutput'), stroke: 'currentColor', grid: { show: false } },
      ],
      series: [
        { label: t('chart.step') },
        ...SERIES.map((s) => ({
          label: t((reconstruction && AE_LABELS[s.key]) || s.label),
          stroke: s.color,
          width: 1.5,
          scale: s.scale,
          points: { show: false },
          show: !reconstruction || s.scale === 'loss',
        })),
      ],
    };
    plot.current = new uPlot(opts, [latest.current.step, ...SERIES.map((s) => latest.current[s.key])], el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt when the language or the kind of model changes its labels.
  }, [t, reconstruction]);

  useEffect(() => {
    latest.current = metrics;
    plot.current?.setData([metrics.step, ...SERIES.map((s) => metrics[s.key])]);
  }, [metrics]);

  return <div ref={host} data-testid="loss-chart" className="loss-chart" data-points={metrics.step.length} />;
}
