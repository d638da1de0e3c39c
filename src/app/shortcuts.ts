import { useEffect, useRef } from 'react';

export interface ShortcutActions {
  toggle: () => void;
  step: () => void;
  exportGrid: () => void;
  help: () => void;
  how: () => void;
}

/** Keys → actions; one table, shown to the person by the shortcuts dialog. */
export const SHORTCUTS = [
  { key: ' ', label: 'Space', action: 'toggle' },
  { key: 's', label: 'S', action: 'step' },
  { key: 'e', label: 'E', action: 'exportGrid' },
  { key: '?', label: '?', action: 'help' },
  { key: 'h', label: 'H', action: 'how' },
] as const satisfies readonly { key: string; label: string; action: keyof ShortcutActions }[];

/**
 * Where a key already means something (typing, choosing, pressing a focused button, a dialog),
 * the page leaves it alone.
 */
function ownsKeys(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target.closest('dialog[open]')) return true;
  return ['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON', 'SUMMARY', 'A'].includes(target.tagName);
}

export function useShortcuts(actions: ShortcutActions): void {
  const latest = useRef(actions);
  // The newest handlers, without re-binding the listener on every render.
  useEffect(() => {
    latest.current = actions;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || ownsKeys(e.target)) return;
      const hit = SHORTCUTS.find((s) => s.key === e.key.toLowerCase() || s.key === e.key);
      if (!hit) return;
      e.preventDefault();
      latest.current[hit.action]();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
