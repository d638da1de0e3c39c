import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricColumns } from '../state.ts';

const SERIES: { key: keyof Omit<MetricColumns, 'step'>; label: string; color: string; scale: string }[] = [
  { key: 'gLoss', label: 'G loss', color: '#e8590c', scale: 'loss' },
  { key: 'dLoss', label: 'D loss', color: '#1c7ed6', scale: 'loss' },
  { key: 'dReal', label: 'D(real)', color: '#2f9e44', scale: 'prob' },
  { key: 'dFake', label: 'D(fake)', color: '#ae3ec9', scale: 'prob' },
  { key: 'augmentP', label: 'augment p', color: '#868e96', scale: 'prob' },
];

/** Losses on the left axis, D's mean outputs (probabilities) on the right. */
export function LossChart({ metrics }: { metrics: MetricColumns }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = host.current!;
    const opts: uPlot.Options = {
      width: el.clientWidth || 400,
      height: 220,
      legend: { show: true },
      scales: { x: { time: false }, prob: { range: [0, 1] } },
      axes: [
        { label: 'step', stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.15)' } },
        { scale: 'loss', label: 'loss', stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.15)' } },
        { scale: 'prob', side: 1, label: 'D output', stroke: 'currentColor', grid: { show: false } },
      ],
      series: [{ label: 'step' }, ...SERIES.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, scale: s.scale, points: { show: false } }))],
    };
    plot.current = new uPlot(opts, [[], ...SERIES.map(() => [])], el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData([metrics.step, ...SERIES.map((s) => metrics[s.key])]);
  }, [metrics]);

  return <div ref={host} data-testid="loss-chart" className="loss-chart" data-points={metrics.step.length} />;
}
