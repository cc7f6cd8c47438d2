/**
 * `down` then `up` keeps the ledger; `down --purge` deletes it. Runs last (see sequencer.js).
 *
 * @e2e-alone
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { down } from '@gridledger/network/dist/up';
import { upPlatform } from '@gridledger/network/dist/platform';
import { api, newProsumerWithMeter, operatorKey, readingSeries, stateDir, storedReadings } from './support';

it('down then up: the ledger state is still there; down --purge removes it', async () => {
  const meter = await newProsumerWithMeter();
  const readings = readingSeries(meter, 2);
  const res = await api('community', operatorKey(), 'POST', '/readings', { readings });
  expect(res.status).toBe(200);
  const before = await storedReadings(meter);
  expect(before).toHaveLength(2);

  const stopped = await down(stateDir(), { log: () => undefined });
  expect(stopped).toEqual(
    expect.arrayContaining(['bridge', 'gateway.community', 'peer.community', 'orderer.utility', 'chaincode.utility']),
  );
  expect(existsSync(join(stateDir(), 'pids', 'peer.community.pid'))).toBe(false);

  await upPlatform({ stateDir: stateDir(), offset: Number(process.env.GRIDLEDGER_TEST_OFFSET), log: () => undefined });
  const after = await storedReadings(meter);
  expect(after.map((r) => [r.seq, r.txId])).toEqual(before.map((r) => [r.seq, r.txId]));

  await down(stateDir(), { purge: true, log: () => undefined });
  expect(existsSync(stateDir())).toBe(false);
});
