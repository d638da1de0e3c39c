import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A native modal <dialog>: focus is trapped and restored by the browser, Escape closes it,
 * and the page behind is inert for screen readers.
 */
export function Dialog({
  open,
  onClose,
  labelledBy,
  className,
  children,
}: {
  open: boolean;
  onClose: () => void;
  labelledBy: string;
  className?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={className}
      aria-labelledby={labelledBy}
      onClose={onClose}
      onClick={(e) => e.target === e.currentTarget && onClose() /* a click on the backdrop */}
    >
      {open && children}
    </dialog>
  );
}
