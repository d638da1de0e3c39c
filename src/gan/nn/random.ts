/**
 * A small seeded PRNG (mulberry32) with Gaussian draws. Latents, batch indices and initial
 * weights all come from here rather than from a backend's RNG, so the same seed gives the same
 * run on every backend and after a resume.
 */
/** A position in the random stream, as plain numbers. */
export interface RngState {
  state: number;
  spare: number | undefined;
}

export class Rng {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal, by Box–Muller (the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  normals(n: number, std = 1, mean = 0): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** `n` integers uniform in [0, max). */
  ints(n: number, max: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * max);
    return out;
  }

  /** The generator's position, for checkpoints. */
  save(): RngState {
    return { state: this.state, spare: this.spare };
  }

  restore(saved: RngState): void {
    this.state = saved.state;
    this.spare = saved.spare;
  }
}
