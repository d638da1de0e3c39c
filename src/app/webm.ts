/**
 * The timelapse as WebM, where the browser can record a canvas (MediaRecorder). Frames are
 * drawn one after another onto a canvas whose stream is recorded; nearest-neighbour scaling
 * keeps small grids crisp.
 */
import type { PixelsMessage } from '../contract/protocol.ts';

export const canRecordWebm = () => typeof MediaRecorder !== 'undefined' && MediaRecorder.isTypeSupported('video/webm');

export async function recordWebm(frames: PixelsMessage[], frameMs = 200): Promise<Blob> {
  const first = frames[0];
  if (!first) throw new Error('the timeline is empty');
  const scale = Math.max(1, Math.floor(512 / first.width));
  const canvas = document.createElement('canvas');
  canvas.width = first.width * scale;
  canvas.height = first.height * scale;
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  const source = document.createElement('canvas');
  const recorder = new MediaRecorder(canvas.captureStream(30), { mimeType: 'video/webm' });
  const chunks: Blob[] = [];
  recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
  const done = new Promise<void>((resolve) => (recorder.onstop = () => resolve()));
  recorder.start();
  for (const [i, f] of frames.entries()) {
    source.width = f.width;
    source.height = f.height;
    source.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(f.pixels), f.width, f.height), 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
    await new Promise((r) => setTimeout(r, i === frames.length - 1 ? frameMs * 5 : frameMs));
  }
  recorder.stop();
  await done;
  return new Blob(chunks, { type: 'video/webm' });
}
