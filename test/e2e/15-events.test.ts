/**
 * GET /api/v1/events on the real network: chaincode events of committed transactions arrive as
 * server-sent events, each with a checkpoint id, and a stream resumed from a checkpoint (the
 * Last-Event-ID header a browser sends on reconnect) delivers exactly what came after it.
 */
import { api, operatorKey, profile, uid } from './support';

interface SseEvent {
  id: string;
  event: string;
  data: { name: string; blockNumber: number; txId: string; payload: Record<string, unknown> };
}

/** Opens the community gateway's event stream and collects its events until stopped. */
async function openEvents(headers: Record<string, string> = {}, query = '') {
  const controller = new AbortController();
  const res = await fetch(`${profile().orgs.community.gateway.url}/api/v1/events${query}`, {
    headers: { authorization: `Bearer ${operatorKey()}`, accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  const reader = res.body!.getReader();
  const pump = (async () => {
    let buffer = '';
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) => frame.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          const data = field('data');
          if (field('id') !== undefined && data !== undefined) {
            events.push({ id: field('id')!, event: field('event')!, data: JSON.parse(data) });
            waiters.splice(0).forEach((w) => w());
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    async until(pred: (e: SseEvent[]) => boolean, timeoutMs = 60_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!pred(events)) {
        if (Date.now() > deadline) throw new Error(`events did not arrive: ${JSON.stringify(events.map((e) => [e.event, e.data.payload]))}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 500);
        });
      }
    },
    async close() {
      controller.abort();
      await pump;
    },
  };
}

const registered = (events: SseEvent[], participantId: string) => events.find((e) => e.event === 'ParticipantRegistered' && e.data.payload.participantId === participantId);

async function onboard(participantId: string): Promise<void> {
  const res = await api('community', operatorKey(), 'POST', '/participants', { participantId, role: 'consumer' });
  expect(res.status).toBe(201);
}

it('streams the chaincode event of a committed transaction with its block, txId and checkpoint', async () => {
  const stream = await openEvents();
  try {
    const participantId = uid('sse');
    await onboard(participantId);
    await stream.until((e) => registered(e, participantId) !== undefined);
    const event = registered(stream.events, participantId)!;
    expect(event.data.name).toBe('ParticipantRegistered');
    expect(event.data.txId).toMatch(/^[0-9a-f]{64}$/);
    expect(event.data.blockNumber).toBeGreaterThan(0);
    expect(event.id).toBe(`${event.data.blockNumber}:${event.data.txId}`);
    expect(event.data.payload).toMatchObject({ participantId, role: 'consumer', mspId: 'CommunityMSP' });
  } finally {
    await stream.close();
  }
});

it('resumes from a checkpoint (Last-Event-ID): what came after it, nothing before it, nothing twice', async () => {
  const [first, second, third] = [uid('sse'), uid('sse'), uid('sse')];
  const live = await openEvents();
  let checkpoint: string;
  try {
    await onboard(first);
    await live.until((e) => registered(e, first) !== undefined);
    checkpoint = registered(live.events, first)!.id;
  } finally {
    await live.close();
  }
  // Committed while no stream was open.
  await onboard(second);
  await onboard(third);

  const resumed = await openEvents({ 'Last-Event-ID': checkpoint });
  try {
    await resumed.until((e) => registered(e, third) !== undefined);
    const ids = resumed.events.map((e) => e.id);
    expect(registered(resumed.events, first)).toBeUndefined();
    expect(registered(resumed.events, second)).toBeDefined();
    expect(new Set(ids).size).toBe(ids.length);
    // Events come in ledger order: the second participant's block is not after the third's.
    expect(registered(resumed.events, second)!.data.blockNumber).toBeLessThanOrEqual(registered(resumed.events, third)!.data.blockNumber);
    // Everything delivered lies after the checkpoint's block (or in it, after its transaction).
    const [cpBlock] = checkpoint.split(':').map(Number);
    expect(resumed.events.every((e) => e.data.blockNumber >= cpBlock)).toBe(true);
  } finally {
    await resumed.close();
  }
});

it('refuses a malformed checkpoint with REQUEST_INVALID', async () => {
  const res = await api('community', operatorKey(), 'GET', '/events?after=not-a-checkpoint');
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('REQUEST_INVALID');
});
