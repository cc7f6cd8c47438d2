import { ErrorCodes } from '@gridledger/core/core';
import { LedgerEvent, parseCheckpoint, ResumePosition } from '../src';
import { Harness, startHarness } from './support/fakes';

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** Reads server-sent events until `count` events with an id arrived (or `ms` passed), then disconnects. */
async function readEvents(
  h: Harness,
  path: string,
  count: number,
  headers: Record<string, string> = {},
  ms = 1500,
  key = h.key.operator,
): Promise<{ status: number; events: SseEvent[] }> {
  const abort = new AbortController();
  const res = await fetch(`${h.url}${path}`, { headers: { Authorization: `Bearer ${key}`, ...headers }, signal: abort.signal });
  // The gateway answers only once the peer's stream is open, so the time to wait for events
  // starts here: a loaded machine may take long to answer, which is not what is tested.
  const timer = setTimeout(() => abort.abort(), ms);
  const events: SseEvent[] = [];
  if (res.status !== 200) {
    clearTimeout(timer);
    return { status: res.status, events };
  }
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    while (events.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = {};
        for (const line of frame.split('\n')) {
          const m = /^(id|event|data): ?(.*)$/.exec(line);
          if (m) event[m[1] as keyof SseEvent] = m[2];
        }
        if (event.id !== undefined || event.event === 'error') events.push(event);
      }
    }
  } catch (e) {
    if ((e as Error).name !== 'AbortError') throw e;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return { status: res.status, events };
}

const ev = (blockNumber: number, txId: string, name = 'ReadingsRecorded'): LedgerEvent => ({
  blockNumber: BigInt(blockNumber),
  txId,
  name,
  payload: Buffer.from(JSON.stringify({ txId, n: blockNumber })),
});

/** Blocks 5, 5, 5, 6, 8, 8, 9: several transactions per block, and a block without events. */
const chain = [
  ev(5, 'a'),
  ev(5, 'b', 'MeterRegistered'),
  ev(5, 'c'),
  ev(6, 'd'),
  ev(8, 'e'),
  ev(8, 'f'),
  ev(9, 'g', 'ParticipantRegistered'),
];
const ids = chain.map((e) => `${e.blockNumber}:${e.txId}`);

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  h.ledger.events = chain;
});
afterEach(async () => {
  await h.close();
});

const json = (blockNumber: number, txId: string, name: string, payload: unknown): LedgerEvent => ({
  blockNumber: BigInt(blockNumber),
  txId,
  name,
  payload: Buffer.from(JSON.stringify(payload)),
});

describe('GET /events for a household', () => {
  const mixed = [
    json(10, 'dep-a', 'CreditsIssued', { participantId: 'alice', amountMicros: 5 }),
    json(10, 'dep-b', 'CreditsIssued', { participantId: 'bob', amountMicros: 7 }),
    json(11, 'xfer', 'CreditsTransferred', { from: 'bob', to: 'carol', amountMicros: 1 }),
    json(11, 'ord-b', 'OrdersAccepted', { orders: [{ orderId: 'o1', participantId: 'bob', energyWh: 9 }] }),
    json(12, 'ord-a', 'OrderAccepted', { orderId: 'o2', participantId: 'alice', energyWh: 3 }),
    json(12, 'clr', 'IntervalCleared', { communityId: 'c1', clearingPriceMicrosPerKwh: 100, volumeWh: 12 }),
    json(12, 'mkt', 'IntervalClosed', { communityId: 'c1', intervalStart: 'I', closedAt: 'T' }),
    // A window close on a ledger written before it was renamed WindowClosed.
    json(12, 'old', 'IntervalClosed', {
      communityId: 'c1',
      positions: [
        { participantId: 'bob', balance: 'deficit' },
        { participantId: 'alice', balance: 'balanced' },
      ],
    }),
    json(13, 'close', 'WindowClosed', {
      communityId: 'c1',
      positions: [
        { participantId: 'alice', balance: 'surplus' },
        { participantId: 'bob', balance: 'deficit' },
      ],
      zones: [{ zone: 'z1' }],
    }),
    json(13, 'rd', 'ReadingsRecorded', {
      txId: 'rd',
      accepted: [
        { meterId: 'alice.main', seq: 1 },
        { meterId: 'bob.main', seq: 4 },
      ],
      rejected: 1,
      gapsOpened: [],
    }),
    json(14, 'mtr', 'MeterRegistered', { participantId: 'alice', meterId: 'alice.pv' }),
    json(14, 'rd2', 'ReadingsRecorded', { txId: 'rd2', accepted: [{ meterId: 'alice.pv', seq: 1 }], rejected: 0, gapsOpened: [] }),
    json(15, 'bat', 'MeterBatchRegistered', {
      batchId: 'b-1',
      count: 2,
      meters: [
        { meterId: 'alice.ev', participantId: 'alice', communityId: 'c1' },
        { meterId: 'bob.ev', participantId: 'bob', communityId: 'c1' },
      ],
    }),
    json(15, 'rd3', 'ReadingsRecorded', {
      txId: 'rd3',
      accepted: [
        { meterId: 'alice.ev', seq: 1 },
        { meterId: 'bob.ev', seq: 1 },
      ],
      rejected: 0,
      gapsOpened: [],
    }),
    json(16, 'new', 'SomethingNew', { participantId: 'alice' }),
  ];

  it("sees its own records and public aggregates, of a shared event its own part, and nothing of another's", async () => {
    h.ledger.events = mixed;
    h.ledger.evaluateHandler = (fn, args) => (fn === 'registry:listMeters' && args[0] === 'alice' ? [{ meterId: 'alice.main' }] : {});
    const { events } = await readEvents(h, '/api/v1/events?fromBlock=0', 11, {}, 1500, h.key.alice);
    expect(events.map((e) => e.id)).toEqual([
      '10:dep-a',
      '12:ord-a',
      '12:clr',
      '12:mkt',
      '12:old',
      '13:close',
      '13:rd',
      '14:mtr',
      '14:rd2',
      '15:bat',
      '15:rd3',
    ]);
    const payload = (id: string) => JSON.parse(events.find((e) => e.id === id)!.data!).payload;
    expect(payload('12:mkt')).toEqual({ communityId: 'c1', intervalStart: 'I', closedAt: 'T' });
    expect(payload('12:old').positions).toEqual([{ participantId: 'alice', balance: 'balanced' }]);
    expect(payload('13:close').positions).toEqual([{ participantId: 'alice', balance: 'surplus' }]);
    expect(payload('13:close').zones).toEqual([{ zone: 'z1' }]);
    expect(payload('13:rd')).toEqual({ txId: 'rd', accepted: [{ meterId: 'alice.main', seq: 1 }], gapsOpened: [] });
    // The meter registered on the stream counts from then on.
    expect(payload('14:rd2').accepted).toEqual([{ meterId: 'alice.pv', seq: 1 }]);
    // So does one of a batch: alice sees her meter of it, and its readings.
    expect(payload('15:bat').meters).toEqual([{ meterId: 'alice.ev', participantId: 'alice', communityId: 'c1' }]);
    expect(payload('15:rd3').accepted).toEqual([{ meterId: 'alice.ev', seq: 1 }]);
    expect(JSON.stringify(events)).not.toContain('bob');
  });

  it('an operator sees every event whole', async () => {
    h.ledger.events = mixed;
    const { events } = await readEvents(h, '/api/v1/events?fromBlock=0', mixed.length);
    expect(events).toHaveLength(mixed.length);
    expect(JSON.parse(events[2].data!).payload).toEqual({ from: 'bob', to: 'carol', amountMicros: 1 });
  });
});

describe('GET /events', () => {
  it('needs a key', async () => {
    const res = await fetch(`${h.url}/api/v1/events`);
    expect(res.status).toBe(401);
  });

  it('streams chaincode events with checkpoint ids, names and JSON payloads', async () => {
    const { events } = await readEvents(h, '/api/v1/events?fromBlock=0', chain.length);
    expect(events.map((e) => e.id)).toEqual(ids);
    expect(events[1].event).toBe('MeterRegistered');
    expect(JSON.parse(events[1].data!)).toEqual({ name: 'MeterRegistered', blockNumber: 5, txId: 'b', payload: { txId: 'b', n: 5 } });
  });

  it('starts at the current block height when no position is given', async () => {
    h.ledger.height = 8n;
    const { events } = await readEvents(h, '/api/v1/events', 3);
    expect(h.ledger.opened[0]).toBe(8n);
    expect(events.map((e) => e.id)).toEqual(['8:e', '8:f', '9:g']);
  });

  it.each(ids.map((id, i) => [id, i]))('resumes after %s with Last-Event-ID: nothing twice, nothing lost', async (id, i) => {
    const rest = ids.slice((i as number) + 1);
    const { events } = await readEvents(h, '/api/v1/events', rest.length, { 'Last-Event-ID': id as string }, rest.length ? 1500 : 200);
    expect(events.map((e) => e.id)).toEqual(rest);
    expect(h.ledger.opened[0]).toBe(chain[i as number].blockNumber);
  });

  it('resumes with ?after= the same way, and with a bare block number', async () => {
    const a = await readEvents(h, '/api/v1/events?after=5:b', 5);
    expect(a.events.map((e) => e.id)).toEqual(ids.slice(2));
    const b = await readEvents(h, '/api/v1/events?after=5', 4);
    expect(b.events.map((e) => e.id)).toEqual(['6:d', '8:e', '8:f', '9:g']);
  });

  it('re-opens the peer stream after an outage without repeating or losing events', async () => {
    h.ledger.failStream.set(0, 4); // the first stream breaks after 5:a 5:b 5:c 6:d
    h.ledger.failStream.set(1, 1); // the second one after one event
    const { events } = await readEvents(h, '/api/v1/events?after=5:a', chain.length - 1);
    expect(events.map((e) => e.id)).toEqual(ids.slice(1));
    expect(h.ledger.opened.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses a malformed checkpoint with 400', async () => {
    const { status } = await readEvents(h, '/api/v1/events?after=five', 0);
    expect(status).toBe(400);
  });
});

describe('ResumePosition', () => {
  it('drops events the checkpoint covers and repeats nothing when the source replays a block', () => {
    const position = new ResumePosition({ checkpoint: parseCheckpoint('5:b') });
    const passed = [...chain, ev(8, 'e'), ev(8, 'f'), ...chain].filter((e) => position.accept(e)).map((e) => e.txId);
    expect(passed).toEqual(['c', 'd', 'e', 'f', 'g']);
  });

  it('parses checkpoints strictly', () => {
    expect(parseCheckpoint('12:abc')).toEqual({ blockNumber: 12n, txId: 'abc' });
    expect(parseCheckpoint('12')).toEqual({ blockNumber: 12n, txId: undefined });
    for (const bad of ['', 'x:1', '1:2:3', '-1:a']) {
      expect(() => parseCheckpoint(bad)).toThrow(expect.objectContaining({ code: ErrorCodes.REQUEST_INVALID }));
    }
  });
});
