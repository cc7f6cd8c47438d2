/**
 * A value folded from the whole event history (the stream from the ledger's first block, then
 * live), for the queues the ledger keeps no list of (queues.ts). Its own stream, so that the page's
 * live stream carries only what is new.
 */
import { useEffect, useState } from 'react';
import { openEventStream, type LedgerEvent, type StreamState } from './api/events';

export function useEventFold<T>(apiKey: string, fold: (value: T, event: LedgerEvent) => T, initial: T): { value: T; state: StreamState } {
  const [value, setValue] = useState(initial);
  const [state, setState] = useState<StreamState>('connecting');
  useEffect(() => {
    const handle = openEventStream(apiKey, (e) => setValue((v) => fold(v, e)), setState, { fromBlock: 0 });
    return () => handle.close();
    // the fold and its start are fixed for the component's life
  }, [apiKey]);
  return { value, state };
}
