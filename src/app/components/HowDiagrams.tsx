import type { HowText } from '../i18n/how-en.ts';

/**
 * The two hand-drawn diagrams of the "How it works" page. Plain SVG in JSX: no fetched assets
 * (strict CSP, offline), colours only through CSS classes in how.css that read the theme's
 * variables, and a viewBox with `width: 100%` so they shrink to a phone. Each is one labelled
 * image (role="img"): its text labels are drawn, and the aria-label says the same in words.
 * Symbols (z, G, D, w, A) are the same in every language; words come from the i18n files.
 */

interface BoxProps {
  x: number;
  y: number;
  w: number;
  h: number;
  title: string;
  /** Draw the title large, as a symbol (z, G, D, w) rather than a word. */
  symbol?: boolean;
  sub?: string;
  kind?: 'net' | 'data' | 'plain';
}

function Box({ x, y, w, h, title, symbol = false, sub, kind = 'plain' }: BoxProps) {
  const cx = x + w / 2;
  const cy = y + h / 2;
  return (
    <g>
      <rect className={`box box-${kind}`} x={x} y={y} width={w} height={h} rx={6} />
      <text className={symbol ? 'sym' : undefined} x={cx} y={sub ? cy - 2 : cy + 5}>
        {title}
      </text>
      {sub && (
        <text className="sub" x={cx} y={cy + 15}>
          {sub}
        </text>
      )}
    </g>
  );
}

/** Arrowheads, one per line style; fixed ids are fine because the page exists once at a time. */
function Markers() {
  return (
    <defs>
      {(['flow', 'fb-d', 'fb-g'] as const).map((k) => (
        <marker key={k} id={`how-arrow-${k}`} viewBox="0 0 10 10" refX={9} refY={5} markerWidth={7} markerHeight={7} orient="auto-start-reverse">
          <path className={`head-${k}`} d="M0,0 L10,5 L0,10 z" />
        </marker>
      ))}
    </defs>
  );
}

const arrow = (k: 'flow' | 'fb-d' | 'fb-g') => `url(#how-arrow-${k})`;

/**
 * z → G → fakes; fakes and reals → D → "real?"; D's update (dashed loop) and G's update (solid,
 * back to G). Laid out in 480 units so its text stays ~10 px on a 390 px phone.
 */
export function GameDiagram({ text }: { text: HowText['gameFig'] }) {
  return (
    <figure className="how-fig">
      <svg className="how-svg how-svg-game" viewBox="0 40 480 310" role="img" aria-label={text.label}>
        <Markers />
        <Box x={4} y={55} w={54} h={50} title="z" symbol sub={text.z} kind="data" />
        <Box x={78} y={55} w={86} h={50} title="G" symbol sub={text.g} kind="net" />
        <Box x={184} y={55} w={140} h={50} title={text.fake} kind="data" />
        <Box x={336} y={55} w={140} h={50} title={text.real} kind="data" />
        <Box x={280} y={160} w={100} h={50} title="D" symbol sub={text.d} kind="net" />
        <Box x={280} y={255} w={100} h={50} title={text.out} sub={text.outSub} />
        <g className="flow">
          <line x1={58} y1={80} x2={76} y2={80} markerEnd={arrow('flow')} />
          <line x1={164} y1={80} x2={182} y2={80} markerEnd={arrow('flow')} />
          <line x1={254} y1={105} x2={306} y2={158} markerEnd={arrow('flow')} />
          <line x1={406} y1={105} x2={354} y2={158} markerEnd={arrow('flow')} />
          <line x1={330} y1={210} x2={330} y2={253} markerEnd={arrow('flow')} />
        </g>
        <path className="fb-d" d="M380,280 C432,280 432,185 382,185" markerEnd={arrow('fb-d')} />
        <text className="lbl lbl-d" x={476} y={336}>
          {text.dLearns}
        </text>
        <path className="fb-g" d="M280,280 C121,280 121,200 121,107" markerEnd={arrow('fb-g')} />
        <text className="lbl lbl-g" x={6} y={336}>
          {text.gLearns}
        </text>
      </svg>
      <figcaption>{text.caption}</figcaption>
    </figure>
  );
}

const BLOCKS = [4, 8, 16, 32] as const;
const BLOCK_Y = [125, 180, 235, 290] as const;
const BLOCK_H = 36;

/** z → mapping → w; w → A → each block's style; noise into each block; coarse/middle/fine bands. */
export function StyleDiagram({ text }: { text: HowText['styleFig'] }) {
  const mid = (i: number) => BLOCK_Y[i] + BLOCK_H / 2;
  const bands = [
    { name: text.coarse, sub: text.coarseSub, top: BLOCK_Y[0], bottom: BLOCK_Y[1] + BLOCK_H },
    { name: text.middle, sub: text.middleSub, top: BLOCK_Y[2], bottom: BLOCK_Y[2] + BLOCK_H },
    { name: text.fine, sub: text.fineSub, top: BLOCK_Y[3], bottom: BLOCK_Y[3] + BLOCK_H },
  ];
  return (
    <figure className="how-fig">
      <svg className="how-svg how-svg-style" viewBox="0 0 420 395" role="img" aria-label={text.label}>
        <Markers />
        <Box x={4} y={15} w={40} h={40} title="z" symbol kind="data" />
        <Box x={62} y={15} w={188} h={40} title={text.mapping} kind="net" />
        <Box x={266} y={15} w={48} h={40} title="w" symbol kind="data" />
        <g className="flow">
          <line x1={44} y1={35} x2={60} y2={35} markerEnd={arrow('flow')} />
          <line x1={250} y1={35} x2={264} y2={35} markerEnd={arrow('flow')} />
        </g>
        <Box x={76} y={70} w={180} h={34} title={text.constant} />
        <line className="flow" x1={166} y1={104} x2={166} y2={BLOCK_Y[0] - 2} markerEnd={arrow('flow')} />
        {BLOCKS.map((r, i) => (
          <g key={r}>
            <Box x={96} y={BLOCK_Y[i]} w={140} h={BLOCK_H} title={text.block.replaceAll('{r}', String(r))} kind="net" />
            <line className="flow" x1={166} y1={BLOCK_Y[i] + BLOCK_H} x2={166} y2={(BLOCK_Y[i + 1] ?? 345) - 2} markerEnd={arrow('flow')} />
            <line className="style-line" x1={290} y1={mid(i)} x2={276} y2={mid(i)} />
            <Box x={250} y={mid(i) - 12} w={26} h={24} title="A" symbol />
            <line className="style-line" x1={250} y1={mid(i)} x2={238} y2={mid(i)} markerEnd={arrow('fb-g')} />
            <Box x={6} y={mid(i) - 13} w={66} h={26} title={text.noise} />
            <line className="flow" x1={72} y1={mid(i)} x2={94} y2={mid(i)} markerEnd={arrow('flow')} />
          </g>
        ))}
        <line className="style-line" x1={290} y1={55} x2={290} y2={mid(BLOCKS.length - 1)} />
        <Box x={106} y={347} w={120} h={40} title={text.image} kind="data" />
        {bands.map((b) => (
          <g key={b.name}>
            <path className="bracket" d={`M300,${b.top} h6 V${b.bottom} h-6`} />
            <text className="band" x={314} y={(b.top + b.bottom) / 2 - 2}>
              {b.name}
            </text>
            <text className="band-sub" x={314} y={(b.top + b.bottom) / 2 + 14}>
              {b.sub}
            </text>
          </g>
        ))}
      </svg>
      <figcaption>{text.caption}</figcaption>
    </figure>
  );
}
