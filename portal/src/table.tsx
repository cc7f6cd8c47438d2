/** A table of rows that scrolls sideways on its own at phone width; numeric columns right-aligned. */
import type { ReactNode } from 'react';

export interface Column {
  label: string;
  num?: boolean;
  /** Read by screen readers only (an action column). */
  hidden?: boolean;
}

export function Table({ columns, testId, children }: { columns: Column[]; testId?: string; children: ReactNode }) {
  return (
    // Focusable, so that a keyboard can scroll a table wider than the screen (WCAG 2.1.1; axe scrollable-region-focusable).
    <div className="scroll" tabIndex={0}>
      <table data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" className={c.num ? 'num' : undefined}>
                {c.hidden ? <span className="sr-only">{c.label}</span> : c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
