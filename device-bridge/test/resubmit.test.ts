import type { ReadingResult, SignedReading } from '@gridledger/core';
import type { ParkedReading } from '../src/dead-letter';
import { recordVerdicts, resubmissionBatches, type ResubmissionReport } from '../src/resubmit';

const parked = (id: number, meterId: string, seq: number): ParkedReading => ({
  id,
  at: '2026-11-21T12:15:03.120Z',
  parkedAt: '2026-11-21T12:15:04.000Z',
  code: 'INTERNAL',
  message: 'x',
  reading: { meterId, intervalStart: `2026-11-21T12:${String(seq).padStart(2, '0')}:00Z`, seq } as unknown as SignedReading,
});

describe('resubmitting parked readings', () => {
  it("sends each meter's readings in seq order, then by journal id, in batches of at most the batch size", () => {
    const entries = [parked(5, 'm2', 1), parked(1, 'm1', 3), parked(2, 'm1', 2), parked(9, 'm1', 2), parked(3, 'm3', 1)];
    const batches = resubmissionBatches(new Map(entries.map((e) => [e.id, e])), 2);
    expect(batches.map((b) => b.map((e) => e.id))).toEqual([[2, 9], [1, 5], [3]]);
    expect(resubmissionBatches(new Map())).toEqual([]);
  });

  it('reports each reading by journal id: accepted, duplicate, or refused with its code; a reading without a verdict is refused', () => {
    const batch = [parked(4, 'm1', 1), parked(6, 'm1', 2), parked(7, 'm1', 3), parked(8, 'm1', 4)];
    const results = [
      { index: 2, meterId: 'm1', intervalStart: 'x', status: 'rejected', code: 'READING_BAD_SIGNATURE', message: 'bad' },
      { index: 0, meterId: 'm1', intervalStart: 'x', status: 'accepted' },
      { index: 1, meterId: 'm1', intervalStart: 'x', status: 'duplicate' },
    ] as ReadingResult[];
    const report: ResubmissionReport = { parked: 4, accepted: [], duplicate: [], refused: [] };
    recordVerdicts(report, batch, results);
    expect(report).toEqual({
      parked: 4,
      accepted: [4],
      duplicate: [6],
      refused: [
        { id: 7, meterId: 'm1', intervalStart: '2026-11-21T12:03:00Z', code: 'READING_BAD_SIGNATURE', message: 'bad' },
        {
          id: 8,
          meterId: 'm1',
          intervalStart: '2026-11-21T12:04:00Z',
          code: 'NO_VERDICT',
          message: 'the ledger gave no verdict for this reading',
        },
      ],
    });
  });
});
