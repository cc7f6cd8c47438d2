/** Ids this browser remembers for a view (kept in localStorage under `slot`), newest first, at most `max`. */
import { useCallback, useState } from 'react';

export function useRemembered(slot: string, max = 20): [string[], (id: string) => void] {
  const [ids, setIds] = useState<string[]>(() => {
    try {
      const stored: unknown = JSON.parse(localStorage.getItem(slot) ?? '[]');
      return Array.isArray(stored) ? stored.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  });
  const remember = useCallback(
    (id: string) =>
      setIds((list) => {
        const next = [id, ...list.filter((x) => x !== id)].slice(0, max);
        localStorage.setItem(slot, JSON.stringify(next));
        return next;
      }),
    [slot, max],
  );
  return [ids, remember];
}
