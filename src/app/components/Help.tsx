import { useId, useState } from 'react';
import { useI18n, type MessageKey } from '../i18n/index.tsx';

/**
 * A "?" (or a short question as a link) beside a control or chart: the explanation on hover (title) and, for keyboard, touch
 * and screen-reader users, on click in place, announced through aria-describedby.
 */
export function Help({ topic, label }: { topic: MessageKey; label?: MessageKey }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const id = useId();
  const text = t(topic);
  return (
    <span className="help">
      {label ? (
        <button type="button" className="link help-link" aria-expanded={open} aria-controls={id} title={text} data-help={topic} onClick={() => setOpen(!open)}>
          {t(label)}
        </button>
      ) : (
        <button type="button" className="help-button" aria-expanded={open} aria-controls={id} aria-label={t('help.open')} title={text}
          data-help={topic} onClick={() => setOpen(!open)}>?</button>
      )}
      {open && <span id={id} role="note" className="help-text">{text}</span>}
    </span>
  );
}
