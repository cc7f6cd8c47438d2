/**
 * The operator's tool for parked readings (device-bridge/src/resubmit.ts) against the real
 * gateway and ledger: a dead-letter file as the bridge writes it, sent again, reported per
 * journal id, idempotent across runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newProsumerWithMeter, readingSeries, stateDir, storedReadings } from './support';

const tool = (...args: string[]) =>
  spawnSync('node', [join(__dirname, '../../device-bridge/dist/resubmit.js'), '--state', stateDir(), ...args], { encoding: 'utf8' });

it(
  'sends the parked readings again: the good ones are recorded once, a bad one is refused again with its code, a bad key stops the ' +
    'run',
  async () => {
    const meter = await newProsumerWithMeter();
    const [first, second, third] = readingSeries(meter, 3);
    const tampered = { ...third, exportWh: third.exportWh + 1 };
    const line = (id: number, reading: object) =>
      JSON.stringify({
        id,
        at: '2026-11-21T12:15:03.120Z',
        parkedAt: '2026-11-21T12:15:04.000Z',
        code: 'INTERNAL',
        message: 'parked',
        reading,
      });
    const dir = mkdtempSync(join(tmpdir(), 'gl-parked-'));
    const file = join(dir, 'dead-letter.log');
    // Journal id 12 parked twice (a crash between parking and marking done): the tool sends it once. A torn last line is skipped.
    writeFileSync(file, [line(12, second), line(11, first), line(12, second), line(13, tampered), '{"id":14,"at"'].join('\n'));

    const run = tool('--file', file);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      file,
      parked: 3,
      accepted: [11, 12],
      duplicate: [],
      refused: [
        { id: 13, meterId: meter.meterId, intervalStart: third.intervalStart, code: 'READING_BAD_SIGNATURE', message: expect.any(String) },
      ],
    });
    expect((await storedReadings(meter)).map((r) => r.seq)).toEqual([first.seq, second.seq]);

    // Again: nothing is recorded twice.
    const again = tool('--file', file);
    expect(again.status).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ accepted: [], duplicate: [11, 12], refused: [{ id: 13 }] });

    // Once the meter's true third reading is parked in its place, every parked reading is on the ledger.
    writeFileSync(file, [line(11, first), line(12, second), line(13, third)].join('\n'));
    const fixed = tool('--file', file);
    expect([fixed.status, JSON.parse(fixed.stdout)]).toEqual([
      0,
      expect.objectContaining({ accepted: [13], duplicate: [11, 12], refused: [] }),
    ]);
    expect((await storedReadings(meter)).map((r) => r.seq)).toEqual([first.seq, second.seq, third.seq]);

    // A key the gateway does not know stops the run with exit 2 and the gateway's answer.
    const refused = tool('--file', file, '--key', 'not-a-key');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^resubmit-parked: the gateway answered 401/);
  },
);
