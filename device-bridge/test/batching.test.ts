import fc from 'fast-check';
import { selectBatch } from '../src/batching';
import type { JournalEntry } from '../src/journal';

const entry = (id: number, meterId: string, interval: number): JournalEntry => ({
  id,
  at: '2026-11-22T12:00:00Z',
  reading: {
    meterId,
    intervalStart: `i${String(interval).padStart(4, '0')}`,
    seq: interval + 1,
    importWh: 0,
    exportWh: 0,
    importRegisterWh: 0,
    exportRegisterWh: 0,
    sig: '',
  },
});

const journal = (rows: [string, number][]): JournalEntry[] => rows.map(([m, i], id) => entry(id, m, i));
const shape = (batch: JournalEntry[]) => batch.map((e) => `${e.reading.meterId}:${e.reading.intervalStart.slice(1)}`);

describe('selectBatch', () => {
  it('takes a meter whole before the next one, the meter with the oldest waiting reading first', () => {
    // Three meters' backlogs, interleaved as a shuffled upload arrives.
    const pending = journal([
      ['b', 1],
      ['a', 3],
      ['b', 0],
      ['c', 0],
      ['a', 1],
      ['b', 2],
      ['a', 2],
      ['c', 1],
    ]);
    expect(shape(selectBatch(pending, new Set(), new Set(), 5))).toEqual(['b:0001', 'b:0000', 'b:0002', 'a:0003', 'a:0001']);
    expect(shape(selectBatch(pending, new Set(), new Set(['b']), 100))).toEqual(['a:0003', 'a:0001', 'a:0002', 'c:0000', 'c:0001']);
  });

  it('holds back a second reading of one meter and interval, and everything of that meter after it', () => {
    const pending = journal([
      ['a', 1],
      ['b', 1],
      ['a', 1],
      ['a', 2],
      ['b', 2],
    ]);
    expect(shape(selectBatch(pending, new Set(), new Set(), 10))).toEqual(['a:0001', 'b:0001', 'b:0002']);
  });

  it('skips what is in flight, and looks at the first scanLimit readings only', () => {
    const pending = journal([
      ['a', 1],
      ['a', 2],
      ['b', 1],
      ['c', 1],
    ]);
    expect(shape(selectBatch(pending, new Set([0]), new Set(), 10))).toEqual(['a:0002', 'b:0001', 'c:0001']);
    expect(shape(selectBatch(pending, new Set(), new Set(), 10, 3))).toEqual(['a:0001', 'a:0002', 'b:0001']);
  });

  it(
    'property: at most maxSize, no busy meter, no id in flight, one per meter and interval, and each meter a prefix of its own ' +
      'readings in journal order',
    () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.integer({ min: 0, max: 12 })), { maxLength: 80 }),
          fc.integer({ min: 1, max: 30 }),
          fc.subarray(['a', 'b', 'c', 'd', 'e']),
          fc.array(fc.integer({ min: 0, max: 79 }), { maxLength: 10 }),
          (rows, maxSize, busy, inFlight) => {
            const pending = journal(rows);
            const inFlightIds = new Set(inFlight);
            const batch = selectBatch(pending, inFlightIds, new Set(busy), maxSize);
            expect(batch.length).toBeLessThanOrEqual(maxSize);
            const keys = batch.map((e) => `${e.reading.meterId} ${e.reading.intervalStart}`);
            expect(new Set(keys).size).toBe(keys.length);
            for (const e of batch) {
              expect(busy).not.toContain(e.reading.meterId);
              expect(inFlightIds.has(e.id)).toBe(false);
            }
            for (const m of new Set(batch.map((e) => e.reading.meterId))) {
              const eligible = pending.filter((e) => e.reading.meterId === m && !inFlightIds.has(e.id));
              const taken = batch.filter((e) => e.reading.meterId === m);
              expect(taken).toEqual(eligible.slice(0, taken.length));
            }
            // Nothing eligible is left out while there is room: the batch is full or every meter is exhausted up to its first repeat.
            if (batch.length < maxSize) {
              const free = pending.filter((e) => !inFlightIds.has(e.id) && !busy.includes(e.reading.meterId));
              const seen = new Set<string>();
              const blocked = new Set<string>();
              let expected = 0;
              for (const e of free) {
                const k = `${e.reading.meterId} ${e.reading.intervalStart}`;
                if (blocked.has(e.reading.meterId)) continue;
                if (seen.has(k)) blocked.add(e.reading.meterId);
                else {
                  seen.add(k);
                  expected += 1;
                }
              }
              expect(batch.length).toBe(expected);
            }
          },
        ),
        { numRuns: 500 },
      );
    },
  );
});
