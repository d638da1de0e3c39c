import { download } from './useTrainer.ts';

/** Saves the live sample grid as it is drawn (the canvas's own pixels, not a re-render). */
export function saveGridPng(step: number): void {
  const grid = document.querySelector<HTMLCanvasElement>('[data-testid="sample-grid"]');
  grid?.toBlob((blob) => blob && download(`ganvas-grid-step${step}.png`, blob, 'image/png'));
}
