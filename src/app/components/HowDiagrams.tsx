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
      <text className={symbol ? 'sym' : undefined} x={cx} y={sub ? cy - 2 : cy + 5}>{title}</text>
      {sub && <text className="sub" x={cx} y={cy + 15}>{sub}</text>}
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

/** z → G → fakes; fakes and reals → D → "real?"; D's update (dashed) and G's update (solid). */
export function GameDiagram({ text }: { text: HowText['gameFig'] }) {
  return (
    <figure className="how-fig">
      <svg className="how-svg" viewBox="0 0 580 300" role="img" aria-label={text.label}>
        <Markers />
        <Box x={10} y={60} w={65} h={50} title="z" symbol sub={text.z} kind="data" />
        <Box x={105} y={60} w={90} h={50} title="G" symbol sub={text.g} kind="net" />
        <Box x={225} y={60} w={120} h={50} title={text.fake} kind="data" />
        <Box x={225} y={200} w={120} h={50} title={text.real} kind="data" />
        <Box x={375} y={130} w={95} h={50} title="D" symbol sub={text.d} kind="net" />
        <Box x={495} y={130} w={80} h={50} title={text.out} sub={text.outSub} />
        <g className="flow">
          <line x1={75} y1={85} x2={103} y2={85} markerEnd={arrow('flow')} />
          <line x1={195} y1={85} x2={223} y2={85} markerEnd={arrow('flow')} />
          <line x1={345} y1={85} x2={373} y2={143} markerEnd={arrow('flow')} />
          <line x1={345} y1={225} x2={373} y2={167} markerEnd={arrow('flow')} />
          <line x1={470} y1={155} x2={493} y2={155} markerEnd={arrow('flow')} />
        </g>
        <path className="fb-g" d="M535,128 C535,30 150,30 150,58" markerEnd={arrow('fb-g')} />
        <text className="lbl lbl-g" x={342} y={28}>{text.gLearns}</text>
        <path className="fb-d" d="M535,182 C535,240 422,240 422,184" markerEnd={arrow('fb-d')} />
        <text className="lbl lbl-d" x={478} y={268}>{text.dLearns}</text>
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
      <svg className="how-svg" viewBox="0 0 520 400" role="img" aria-label={text.label}>
        <Markers />
        <Box x={10} y={15} w={50} h={40} title="z" symbol kind="data" />
        <Box x={90} y={15} w={210} h={40} title={text.mapping} kind="net" />
        <Box x={330} y={15} w={50} h={40} title="w" symbol kind="data" />
        <g className="flow">
          <line x1={60} y1={35} x2={88} y2={35} markerEnd={arrow('flow')} />
          <line x1={300} y1={35} x2={328} y2={35} markerEnd={arrow('flow')} />
        </g>
        <Box x={140} y={70} w={160} h={34} title={text.constant} />
        <line className="flow" x1={220} y1={104} x2={220} y2={BLOCK_Y[0] - 2} markerEnd={arrow('flow')} />
        {BLOCKS.map((r, i) => (
          <g key={r}>
            <Box x={140} y={BLOCK_Y[i]} w={160} h={BLOCK_H} title={text.block.replaceAll('{r}', String(r))} kind="net" />
            <line className="flow" x1={220} y1={BLOCK_Y[i] + BLOCK_H} x2={220} y2={(BLOCK_Y[i + 1] ?? 345) - 2} markerEnd={arrow('flow')} />
            <line className="style-line" x1={355} y1={mid(i)} x2={342} y2={mid(i)} />
            <Box x={316} y={mid(i) - 12} w={26} h={24} title="A" symbol />
            <line className="style-line" x1={316} y1={mid(i)} x2={302} y2={mid(i)} markerEnd={arrow('fb-g')} />
            <Box x={20} y={mid(i) - 13} w={82} h={26} title={text.noise} />
            <line className="flow" x1={102} y1={mid(i)} x2={138} y2={mid(i)} markerEnd={arrow('flow')} />
          </g>
        ))}
        <line className="style-line" x1={355} y1={55} x2={355} y2={mid(BLOCKS.length - 1)} />
        <Box x={160} y={347} w={120} h={40} title={text.image} kind="data" />
        {bands.map((b) => (
          <g key={b.name}>
            <path className="bracket" d={`M388,${b.top} h6 V${b.bottom} h-6`} />
            <text className="band" x={402} y={(b.top + b.bottom) / 2 - 2}>{b.name}</text>
            <text className="band-sub" x={402} y={(b.top + b.bottom) / 2 + 14}>{b.sub}</text>
          </g>
        ))}
      </svg>
      <figcaption>{text.caption}</figcaption>
    </figure>
  );
}
