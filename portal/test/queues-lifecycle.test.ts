import type { LedgerEvent } from '../src/api/events';
import { deviationTotals } from '../src/deviations';
import { intervalsAround, stageOf } from '../src/lifecycle';
import { foldAssets, foldBank, foldDisputes, type AwaitingAsset, type BankMove, type OpenDispute } from '../src/queues';
import { formatKw, formatPpm } from '../src/units';

const event = (name: string, payload: Record<string, unknown>, txId = `tx-${name}`): LedgerEvent => ({
  name,
  blockNumber: 1,
  txId,
  payload,
});

describe('queues folded from the event history', () => {
  it('keeps a dispute open until its resolution, and ignores other events', () => {
    const opened = {
      meterId: 'm1',
      intervalStart: '2026-12-06T10:00:00Z',
      participantId: 'p1',
      reason: 'too high',
      openedAt: '2026-12-06T11:00:00Z',
    };
    let open: ReadonlyMap<string, OpenDispute> = new Map();
    open = foldDisputes(open, event('ReadingDisputed', { ...opened, status: 'open' }));
    open = foldDisputes(open, event('ReadingDisputed', { ...opened, meterId: 'm2' }));
    open = foldDisputes(open, event('OrderAccepted', { meterId: 'm1' }));
    expect([...open.values()]).toEqual([opened, { ...opened, meterId: 'm2' }]);
    open = foldDisputes(open, event('DisputeResolved', { meterId: 'm1', intervalStart: opened.intervalStart, status: 'resolved' }));
    expect([...open.keys()]).toEqual([`m2|${opened.intervalStart}`]);
  });

  it('keeps an asset in the queue until it is verified; one registered verified never enters', () => {
    const asset = {
      assetId: 'a1',
      participantId: 'p1',
      meterId: 'm1',
      source: 'solar',
      capacityW: 5_000,
      registeredAt: '2026-12-06T09:00:00Z',
    };
    let queue: ReadonlyMap<string, AwaitingAsset> = new Map();
    queue = foldAssets(queue, event('AssetRegistered', { ...asset, verification: null }));
    queue = foldAssets(queue, event('AssetRegistered', { ...asset, assetId: 'a2', verification: { verifiedBy: 'r' } }));
    expect([...queue.values()]).toEqual([asset]);
    expect(foldAssets(queue, event('AssetVerified', { assetId: 'a1' })).size).toBe(0);
  });

  it('lists deposits and withdrawals newest first, at most the number kept', () => {
    let moves: readonly BankMove[] = [];
    moves = foldBank(moves, event('CreditsIssued', { participantId: 'p', amountMicros: 5_000_000, reference: 'r1', at: 't1' }, 'a'));
    moves = foldBank(moves, event('CreditsRedeemed', { participantId: 'p', amountMicros: 1, reference: 'r2', at: 't2' }, 'b'), 1);
    expect(moves).toEqual([{ kind: 'withdrawal', participantId: 'p', amountMicros: 1, reference: 'r2', at: 't2', txId: 'b' }]);
  });
});

describe('the interval lifecycle', () => {
  it('counts the stages reached and names the step under way', () => {
    expect(stageOf('not-open')).toEqual({ reached: 0 });
    expect(stageOf('open').reached).toBe(1);
    expect(stageOf('clearing')).toEqual({ reached: 2, underway: 'clearing' });
    expect(stageOf('cleared').reached).toBe(3);
    expect(stageOf('settled').reached).toBe(4);
  });

  it('lists the intervals that ended last and those from the current one, on the grid', () => {
    const now = Date.parse('2026-12-06T10:07:30Z') / 1000;
    expect(intervalsAround(900, 2, 2, now)).toEqual([
      '2026-12-06T09:30:00Z',
      '2026-12-06T09:45:00Z',
      '2026-12-06T10:00:00Z',
      '2026-12-06T10:15:00Z',
    ]);
  });
});

describe('deviations of a settlement', () => {
  it('sums what the utility supplied and took, exactly', () => {
    const p = { side: 'buy' as const, tradedWh: 0, netWh: 0, netMicros: 0, estimated: false };
    const totals = deviationTotals([
      { ...p, participantId: 'a', deviationWh: -1_250 },
      { ...p, participantId: 'b', deviationWh: 700, estimated: true },
      { ...p, participantId: 'c', deviationWh: -1 },
      { ...p, participantId: 'd', deviationWh: 0 },
    ]);
    expect(totals).toEqual({ suppliedWh: 1_251, takenWh: 700, estimated: 1, participants: 4 });
  });
});

describe('ratios and power', () => {
  it('shows ppm as a percentage and W as kW without losing a digit', () => {
    expect(formatPpm(123_456, 'en-US')).toBe('12.3456 %');
    expect(formatPpm(1_000_000, 'de-DE')).toBe('100 %');
    expect(formatPpm(null)).toBe('—');
    expect(formatKw(1_500, 'en-US')).toBe('1.500 kW');
    expect(formatKw(-1_234_567, 'de-DE')).toBe('-1.234,567 kW');
  });
});
