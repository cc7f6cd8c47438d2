import { parseSubmitOutcome } from '../src/ledger';
import { receiptsForOutcome } from '../src/receipts';
import { meterDay, meterKey } from './support/helpers';

describe('receipts of a transaction', () => {
  const [a, b, c] = meterDay('home-01.main', 3, meterKey().privateKey);
  const batch = [a, b, c].map((reading, i) => ({ id: i + 1, at: '2026-11-21T00:00:00Z', reading }));

  it('name the transaction for accepted and rejected readings, and the first recording for a duplicate', () => {
    const outcome = parseSubmitOutcome({
      txId: 'resubmitting',
      results: [
        { index: 0, meterId: a.meterId, intervalStart: a.intervalStart, status: 'accepted' },
        { index: 1, meterId: b.meterId, intervalStart: b.intervalStart, status: 'duplicate', details: { txId: 'first' } },
        {
          index: 2,
          meterId: c.meterId,
          intervalStart: c.intervalStart,
          status: 'rejected',
          code: 'READING_CONFLICT',
          message: 'another reading is stored',
        },
      ],
    });
    expect(receiptsForOutcome(batch, outcome).receipts.map((r) => [r.status, r.txId])).toEqual([
      ['accepted', 'resubmitting'],
      ['duplicate', 'first'],
      ['rejected', 'resubmitting'],
    ]);
  });

  it('an answer with a duplicate that does not name its first recording is not of the documented shape (INTERNAL: retried)', () => {
    const results = [{ index: 0, meterId: a.meterId, intervalStart: a.intervalStart, status: 'duplicate' }];
    expect(() => parseSubmitOutcome({ txId: 'tx', results })).toThrow(
      expect.objectContaining({ code: 'INTERNAL', message: 'submitReadings answered a duplicate without the txId of its first recording' }),
    );
  });
});
