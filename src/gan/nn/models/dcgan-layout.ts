/**
 * DCGAN's layer plan from its size alone: which layers exist and their channel counts. Pure (no
 * tfjs), so the builders (dcgan.ts), the generator export (explore/export-model.ts) and the memory
 * estimate (backend/memory.ts) read one description instead of each re-deriving the doublings.
 */

/** One 4×4 stride-2 (transposed) convolution: parameter prefix and channels in → out. */
export interface ConvPlan {
  name: string;
  cin: number;
  cout: number;
}

/** G's ×2 up layer; every one but the last (to RGB) is followed by batch norm `bn`. */
export interface UpPlan extends ConvPlan {
  bn?: string;
}

export interface DcganLayout {
  /** Resolution doublings from 4×4: log2(res / 4). */
  doublings: number;
  /** Channels at the 4×4 end of both networks. */
  deepest: number;
  /** G after its dense layer `g.fc` (z → 4·4·deepest) and `g.bn0`. */
  up: UpPlan[];
  /** A down stack's convolutions (D, the encoder), before its dense layer `<prefix>.fc` (16·deepest → outputs). */
  down(prefix: string): ConvPlan[];
}

export function doublings(res: number): number {
  const n = Math.log2(res / 4);
  if (!Number.isInteger(n) || n < 1) throw new Error(`DCGAN resolution must be 4·2^n (got ${res})`);
  return n;
}

export function dcganLayout(res: number, width: number): DcganLayout {
  const n = doublings(res);
  const deepest = width * 2 ** (n - 1);
  const up: UpPlan[] = [];
  for (let i = 1, c = deepest; i <= n; i++) {
    const last = i === n;
    const cout = last ? 3 : c / 2;
    up.push({ name: `g.up${i}`, cin: c, cout, ...(last ? {} : { bn: `g.bn${i}` }) });
    c = cout;
  }
  const down = (prefix: string): ConvPlan[] =>
    Array.from({ length: n }, (_, k) => ({ name: `${prefix}.down${k + 1}`, cin: k === 0 ? 3 : width * 2 ** (k - 1), cout: width * 2 ** k }));
  return { doublings: n, deepest, up, down };
}
