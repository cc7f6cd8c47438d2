/** Loading, empty and error states of a read, the same everywhere. */
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { describeError } from './api/errors';

export interface Loaded<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  reload(): void;
}

export function useLoad<T>(read: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    read().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error, loading: false }),
    );
    return () => {
      current = false;
    };
    // the caller names what the read depends on
  }, [...deps, round]);
  return { ...state, reload };
}

/** An error from its code: the person-readable message, the code beside it. */
export function ErrorNote({ error }: { error: unknown }) {
  const { message, code } = describeError(error);
  return (
    <p className="error" role="alert">
      {message} <code>{code}</code>
    </p>
  );
}

/** Shows the error, the loading state, the empty state or the content. */
export function Show<T>(props: { of: Loaded<T>; empty?: (data: T) => boolean; emptyText?: string; children: (data: T) => ReactNode }) {
  const { data, error, loading } = props.of;
  if (error !== undefined) return <ErrorNote error={error} />;
  if (data === undefined && loading)
    return (
      <p className="muted" aria-busy="true">
        Loading…
      </p>
    );
  if (data === undefined) return null;
  if (props.empty?.(data)) return <p className="muted">{props.emptyText ?? 'Nothing yet.'}</p>;
  return <>{props.children(data)}</>;
}
