/** A write a person starts (a form's submit, a button): busy while it runs, then its error or what it answered. */
import { useState, type ReactNode } from 'react';
import { ErrorNote } from './load';

export interface Action<T> {
  busy: boolean;
  error?: unknown;
  result?: T;
  run(write: () => Promise<T>): Promise<void>;
}

export function useAction<T>(onDone?: (result: T) => void): Action<T> {
  const [state, setState] = useState<{ busy: boolean; error?: unknown; result?: T }>({ busy: false });
  const run = async (write: () => Promise<T>) => {
    setState({ busy: true });
    try {
      const result = await write();
      setState({ busy: false, result });
      onDone?.(result);
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  return { ...state, run };
}

/** The action's error, or a status line from its answer. */
export function Outcome<T>({ of, done }: { of: Action<T>; done: (result: T) => ReactNode }) {
  if (of.error !== undefined) return <ErrorNote error={of.error} />;
  if (of.result === undefined) return null;
  return <p role="status">{done(of.result)}</p>;
}
