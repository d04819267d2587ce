// One titled card of a database tab (Resize, Back up now, Schedule and retention, …), named by its heading.
import { useId, type ReactNode } from 'react';

export function Section({ title, children, danger = false, testId }: { title: string; children: ReactNode; danger?: boolean; testId?: string }) {
  const id = useId();
  return (
    <section className={`card db-setting${danger ? ' db-danger' : ''}`} aria-labelledby={id} data-testid={testId}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}
