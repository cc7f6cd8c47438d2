/**
 * The gateway's event stream (GET /events, server-sent events) read with fetch, because EventSource
 * cannot send the Authorization header and the key must not go in the URL. Parsed by
 * eventsource-parser; when the stream drops it is opened again after a pause, from the last event's
 * id (Last-Event-ID), so nothing is missed and nothing repeats.
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
  retryMs = 2000,
): EventStreamHandle {
  const controller = new AbortController();
  let lastId: string | undefined;
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const res = await fetch(`${API_BASE}/events`, {
          headers: {
            Authorization: `Bearer ${apiKey}`,
            Accept: 'text/event-stream',
            ...(lastId !== undefined ? { 'Last-Event-ID': lastId } : {}),
          },
          signal: controller.signal,
          cache: 'no-store',
        });
        if (!res.ok || !res.body) throw new Error(`event stream answered ${res.status}`);
        onState('live');
        const messages = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
        for await (const message of messages as unknown as AsyncIterable<{ id?: string; data: string }>) {
          if (message.id) lastId = message.id;
          onEvent(JSON.parse(message.data) as LedgerEvent);
        }
      } catch {
        // dropped or refused: try again below
      }
      if (controller.signal.aborted) return;
      onState('reconnecting');
      await new Promise((r) => setTimeout(r, retryMs));
    }
  };
  onState('connecting');
  void run();
  return { close: () => controller.abort() };
}
