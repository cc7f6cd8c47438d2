/**
 * The gateway's event stream (GET /events, server-sent events) read with fetch, because EventSource
 * cannot send the Authorization header and the key must not go in the URL. Parsed by
 * eventsource-parser. The stream counts as dropped when it ends or fails, when the browser goes
 * offline, or when nothing (not even the gateway's heartbeat, every 15 s) came for `silenceMs`; it is
 * opened again after a pause (at once when the browser is back online) from the last event's id
 * (Last-Event-ID), so nothing is missed and nothing repeats.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { API_BASE } from './client';

export interface LedgerEvent {
  name: string;
  blockNumber: number;
  txId: string;
  payload: Record<string, unknown>;
}

export type StreamState = 'connecting' | 'live' | 'reconnecting';

export interface EventStreamHandle {
  close(): void;
}

export function openEventStream(
  apiKey: string,
  onEvent: (event: LedgerEvent) => void,
  onState: (state: StreamState) => void,
  { retryMs = 2000, silenceMs = 40_000 }: { retryMs?: number; silenceMs?: number } = {},
): EventStreamHandle {
  const closed = new AbortController();
  let connection = new AbortController();
  let wake = () => {};
  let lastId: string | undefined;
  const dropNow = () => connection.abort();
  const backOnline = () => wake();
  window.addEventListener('offline', dropNow);
  window.addEventListener('online', backOnline);

  const run = async () => {
    while (!closed.signal.aborted) {
      connection = new AbortController();
      const signal = AbortSignal.any([closed.signal, connection.signal]);
      let silence = setTimeout(dropNow, silenceMs);
      const heard = () => {
        clearTimeout(silence);
        silence = setTimeout(dropNow, silenceMs);
      };
      try {
        const res = await fetch(`${API_BASE}/events`, {
          headers: {
            Authorization: `Bearer ${apiKey}`,
            Accept: 'text/event-stream',
            ...(lastId !== undefined ? { 'Last-Event-ID': lastId } : {}),
          },
          signal,
          cache: 'no-store',
        });
        if (!res.ok || !res.body) throw new Error(`event stream answered ${res.status}`);
        onState('live');
        const messages = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream({ onComment: heard }));
        for await (const message of messages as unknown as AsyncIterable<{ id?: string; data: string }>) {
          heard();
          if (message.id) lastId = message.id;
          onEvent(JSON.parse(message.data) as LedgerEvent);
        }
      } catch {
        // dropped, refused or aborted: open it again below
      } finally {
        clearTimeout(silence);
      }
      if (closed.signal.aborted) return;
      onState('reconnecting');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  onState('connecting');
  void run();
  return {
    close: () => {
      closed.abort();
      window.removeEventListener('offline', dropNow);
      window.removeEventListener('online', backOnline);
    },
  };
}
