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
      <button
        type="button"
        className={label ? 'link help-link' : 'help-button'}
        aria-expanded={open}
        aria-controls={id}
        title={text}
        data-help={topic}
        aria-label={label ? undefined : t('help.open')}
        onClick={() => setOpen(!open)}
      >
        {label ? t(label) : '?'}
      </button>
      {open && (
        <span id={id} role="note" className="help-text">
          {text}
        </span>
      )}
    </span>
  );
}
