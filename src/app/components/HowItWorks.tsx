import { Fragment, type MouseEvent, type ReactNode } from 'react';
import { useI18n, type Lang } from '../i18n/index.tsx';
import { howEn, type HowText } from '../i18n/how-en.ts';
import { howZh } from '../i18n/how-zh.ts';
import { GameDiagram, StyleDiagram } from './HowDiagrams.tsx';
import '../how.css';

/**
 * The "How it works" page: what generation is, why an MSE autoencoder blurs, the GAN game, the
 * style-based generator, small data, and how to read the page, with references. It is the
 * content of a modal; the app wraps it in <dialog aria-labelledby="how-title">.
 *
 * Its long-form text lives in its own i18n files (how-en.ts, how-zh.ts), picked by the UI
 * language. "Show me" closes the page and asks the app to bring the named part into view.
 */

export type HowTarget = 'explorer' | 'settings' | 'train' | 'data';

const TEXT: Record<Lang, HowText> = { en: howEn, zh: howZh };

const SECTIONS = ['generation', 'autoencoder', 'game', 'style', 'smallData', 'reading', 'references'] as const;
type SectionId = (typeof SECTIONS)[number];
const anchor = (s: SectionId) => `how-${s}`;
const REFERENCES = ['goodfellow', 'kingma', 'radford', 'progan', 'mescheder', 'stylegan', 'stylegan2', 'ada', 'diffaug'] as const;

/** A text with `code` and **term** spans (see how-en.ts) as React nodes. */
export function Rich({ text }: { text: string }) {
  const parts = text.split(/(`[^`]+`|\*\*[^*]+\*\*)/);
  return (
    <>
      {parts.map((part, i) =>
        part.startsWith('`') ? (
          <code key={i}>{part.slice(1, -1)}</code>
        ) : part.startsWith('**') ? (
          <strong key={i}>{part.slice(2, -2)}</strong>
        ) : (
          <Fragment key={i}>{part}</Fragment>
        ),
      )}
    </>
  );
}

const Paras = ({ texts }: { texts: readonly string[] }) => (
  <>
    {texts.map((p) => (
      <p key={p}>
        <Rich text={p} />
      </p>
    ))}
  </>
);

/** Scrolls inside the dialog without touching location.hash (the URL carries the app's state). */
function jump(e: MouseEvent<HTMLAnchorElement>, id: string) {
  const target = document.getElementById(id);
  if (!target) return;
  e.preventDefault();
  const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  target.scrollIntoView({ block: 'start', behavior: still ? 'auto' : 'smooth' });
  target.focus({ preventScroll: true });
}

function Section({ id, heading, children }: { id: SectionId; heading: string; children: ReactNode }) {
  return (
    <section className="how-section" aria-labelledby={anchor(id)}>
      <h3 id={anchor(id)} tabIndex={-1}>
        {heading}
      </h3>
      {children}
    </section>
  );
}

export function HowItWorks({ onClose, onGo }: { onClose: () => void; onGo: (target: HowTarget) => void }) {
  const { lang } = useI18n();
  const h = TEXT[lang];
  const go = (target: HowTarget) => {
    onClose();
    onGo(target);
  };
  /** Where a section's idea lives in the app, with a button that goes there. */
  const where = (id: string, text: string, target: HowTarget) => (
    <p className="how-where">
      <span id={id}>
        <strong>{h.inApp}</strong> <Rich text={text} />
      </span>{' '}
      <button type="button" className="how-go" data-testid={`how-go-${target}`} aria-describedby={id} onClick={() => go(target)}>
        {h.showMe}
      </button>
    </p>
  );
  const { generation: gen, autoencoder: ae, game, style, smallData: small, reading, references: refs } = h;
  return (
    <div className="how" data-testid="how-it-works">
      <header className="how-head">
        <h2 id="how-title">{h.title}</h2>
        <button type="button" className="how-close" data-testid="how-close" aria-label={h.close} title={h.close} onClick={onClose}>
          ×
        </button>
      </header>
      <nav className="how-toc" aria-label={h.contents}>
        <ol>
          {SECTIONS.map((s) => (
            <li key={s}>
              <a href={`#${anchor(s)}`} onClick={(e) => jump(e, anchor(s))}>
                {h[s].heading}
              </a>
            </li>
          ))}
        </ol>
      </nav>

      <Section id="generation" heading={gen.heading}>
        <Paras texts={[gen.p1, gen.p2, gen.p3]} />
        {where('how-where-generation', gen.where, 'train')}
      </Section>

      <Section id="autoencoder" heading={ae.heading}>
        <Paras texts={[ae.p1, ae.p2, ae.p3, ae.try]} />
        {where('how-where-autoencoder', ae.where, 'settings')}
      </Section>

      <Section id="game" heading={game.heading}>
        <Paras texts={[game.p1]} />
        <GameDiagram text={h.gameFig} />
        <Paras texts={[game.p2, game.loss, game.half, game.oscillate, game.collapse]} />
        {where('how-where-game', game.where, 'train')}
      </Section>

      <Section id="style" heading={style.heading}>
        <Paras texts={[style.p1]} />
        <StyleDiagram text={h.styleFig} />
        <Paras texts={[style.p2, style.layers, style.mixing, style.truncation, style.ema, style.r1, style.ppl]} />
        {where('how-where-style', style.where, 'explorer')}
      </Section>

      <Section id="smallData" heading={small.heading}>
        <Paras texts={[small.p1, small.p2, small.p3]} />
        {where('how-where-small', small.where, 'settings')}
      </Section>

      <Section id="reading" heading={reading.heading}>
        <p>{reading.parts}</p>
        <ul className="how-parts">
          {(
            [
              ['data', reading.data],
              ['train', reading.train],
              ['explorer', reading.explore],
            ] as const
          ).map(([target, text]) => (
            <li key={target}>
              <span id={`how-part-${target}`}>
                <Rich text={text} />
              </span>{' '}
              <button type="button" className="how-go" aria-describedby={`how-part-${target}`} onClick={() => go(target)}>
                {h.showMe}
              </button>
            </li>
          ))}
        </ul>
        <Paras texts={[reading.swd, reading.nearest]} />
      </Section>

      <Section id="references" heading={refs.heading}>
        <ol className="how-refs">
          {REFERENCES.map((r) => (
            <li key={r}>
              {refs[r].who}
              <cite lang="en">{refs[r].title}</cite>
            </li>
          ))}
        </ol>
      </Section>
    </div>
  );
}
