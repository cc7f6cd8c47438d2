import { positionMessages, positionsTopic, relayPositions } from '../src/positions';

const p = (participantId: string, netWh: number, communityId = 'c1') => ({
  communityId,
  participantId,
  intervalStart: '2026-11-21T12:00:00Z',
  balance: netWh > 0 ? 'surplus' : 'deficit',
  productionWh: Math.max(netWh, 0),
  estimated: false,
  tokensWh: Math.max(netWh, 0),
});
const event = (eventName: string, body: unknown, transactionId = 'tx1') => ({
  eventName,
  transactionId,
  payload: Buffer.from(JSON.stringify(body)),
});

describe('position messages', () => {
  it('one message per participant for a window close, a correction and a resolved dispute; nothing for other events', () => {
    const closed = positionMessages('c1', event('WindowClosed', { positions: [p('a', 500), p('b', -200)] }));
    expect(closed.map((m) => [m.topic, JSON.parse(m.payload).balance, JSON.parse(m.payload).reason, JSON.parse(m.payload).txId])).toEqual([
      ['gridledger/v1/c1/participants/a/positions', 'surplus', 'window-close', 'tx1'],
      ['gridledger/v1/c1/participants/b/positions', 'deficit', 'window-close', 'tx1'],
    ]);
    expect(
      positionMessages('c1', event('ReadingsRecorded', { accepted: [], corrections: [p('b', 400)] })).map((m) => JSON.parse(m.payload)),
    ).toEqual([{ ...p('b', 400), reason: 'correction', txId: 'tx1' }]);
    expect(positionMessages('c1', event('ReadingsRecorded', { accepted: [] }))).toEqual([]);
    expect(positionMessages('c1', event('DisputeResolved', { position: p('a', 300) }))[0].topic).toBe(positionsTopic('c1', 'a'));
    expect(positionMessages('c1', event('MeterRegistered', { positions: [p('a', 1)] }))).toEqual([]);
    expect(positionMessages('c1', { eventName: 'WindowClosed', transactionId: 't', payload: Buffer.from('not json') })).toEqual([]);
    // The window close of another community is not on this community's topics.
    expect(positionMessages('c1', event('WindowClosed', { communityId: 'c1', positions: [p('a', 1)] }))).toHaveLength(1);
    expect(positionMessages('c1', event('WindowClosed', { communityId: 'c2', positions: [p('a', 1, 'c2')] }))).toEqual([]);
    // Nor another community's corrections and resolved disputes, which only their announcements place.
    const mixed = event('ReadingsRecorded', { corrections: [p('a', 1, 'c2'), p('b', 2)] });
    expect(positionMessages('c1', mixed).map((m) => m.topic)).toEqual([positionsTopic('c1', 'b')]);
    expect(positionMessages('c2', mixed).map((m) => m.topic)).toEqual([positionsTopic('c2', 'a')]);
    expect(positionMessages('c1', event('DisputeResolved', { position: p('a', 300, 'c2') }))).toEqual([]);
    const { communityId: _c, ...unplaced } = p('a', 1);
    expect(positionMessages('c1', event('ReadingsRecorded', { corrections: [unplaced] }))).toEqual([]);
    // A window close's announcements from before they named their community: the event's decides.
    expect(positionMessages('c1', event('WindowClosed', { communityId: 'c1', positions: [unplaced] }))).toHaveLength(1);
    expect(positionMessages('c1', event('WindowClosed', { communityId: 'c2', positions: [unplaced] }))).toEqual([]);
  });

  it(
    'a window close written before the rename (IntervalClosed with positions) is relayed as one; the market interval close gives ' +
      'nothing',
    () => {
      const old = positionMessages('c1', event('IntervalClosed', { communityId: 'c1', positions: [p('a', 500)] }));
      expect(old.map((m) => [m.topic, JSON.parse(m.payload).reason])).toEqual([[positionsTopic('c1', 'a'), 'window-close']]);
      expect(
        positionMessages(
          'c1',
          event('IntervalClosed', { communityId: 'c1', intervalStart: '2026-11-21T12:00:00Z', closedAt: '2026-11-21T12:10:00Z' }),
        ),
      ).toEqual([]);
    },
  );

  it('publishes in event order at QoS 1 and marks each event done after its messages', async () => {
    const log: string[] = [];
    const client = {
      publishAsync: async (topic: string, _payload: string, opts: { qos: number }) => void log.push(`${topic}@${opts.qos}`),
    };
    async function* events() {
      yield event('WindowClosed', { positions: [p('a', 1), p('b', -1)] }, 't1');
      yield event('ReadingsRecorded', { corrections: [p('b', 2)] }, 't2');
    }
    await relayPositions(events(), client as never, 'c1', async (e) => void log.push(`done ${e.transactionId}`));
    expect(log).toEqual([
      'gridledger/v1/c1/participants/a/positions@1',
      'gridledger/v1/c1/participants/b/positions@1',
      'done t1',
      'gridledger/v1/c1/participants/b/positions@1',
      'done t2',
    ]);
  });
});
