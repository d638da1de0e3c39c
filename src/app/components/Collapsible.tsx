import { createContext, useContext, useState, type ReactNode } from 'react';

/** A URL sets something up when it has any parameter but the language. */
export function setsUp(search: string): boolean {
  return [...new URLSearchParams(search).keys()].some((k) => k !== 'lang');
}

/**
 * Whether secondary parts start open when the person has not chosen yet. The plain URL (how
 * people meet the page) starts calm, with them closed; a link that sets up an experiment
 * (`?model=…&res=…`, a shared setup, a test) starts with every tool in view. The URL is read
 * once, as the page loads (a Provider may override it).
 */
export const SecondaryOpen = createContext(typeof location === 'undefined' ? false : setsUp(location.search));

const key = (id: string) => `ganvas.panel.${id}`;

function remembered(id: string): boolean | undefined {
  try {
    const v = localStorage.getItem(key(id));
    return v === null ? undefined : v === '1';
  } catch {
    return undefined;
  }
}

function remember(id: string, open: boolean): void {
  try {
    localStorage.setItem(key(id), open ? '1' : '0');
  } catch {
    // Storage off (private mode, quota): the choice lasts for this page only.
  }
}

/**
 * A secondary part of the page behind a one-line summary (native `<details>`: keyboard and
 * screen readers know it). The person's open/closed choice is remembered per `id` in this
 * browser; until they choose, `defaultOpen` (if given) or the page's `SecondaryOpen` decides.
 * The summary must hold no buttons or links of its own (they would nest inside the toggle).
 */
export function Collapsible({
  id,
  summary,
  children,
  className,
  defaultOpen,
  testId,
}: {
  id: string;
  summary: ReactNode;
  children: ReactNode;
  className?: string;
  defaultOpen?: boolean;
  testId?: string;
}) {
  const startOpen = useContext(SecondaryOpen);
  const [chosen, setChosen] = useState(() => remembered(id));
  const open = chosen ?? defaultOpen ?? startOpen;
  return (
    <details
      className={`collapsible${className ? ` ${className}` : ''}`}
      data-testid={testId}
      open={open}
      onToggle={(e) => {
        // A toggle that differs from what we rendered is the person's; our own re-renders are not choices.
        const now = e.currentTarget.open;
        if (now === open) return;
        setChosen(now);
        remember(id, now);
      }}
    >
      <summary>{summary}</summary>
      {children}
    </details>
  );
}
