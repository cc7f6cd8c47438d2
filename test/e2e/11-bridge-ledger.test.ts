/**
 * The bridge follows the ledger's metering interval, and the services `up` starts see the caller's
 * GRIDLEDGER_* settings. The test changes the metering interval for a moment and restores it in a
 * finally; no other file runs meanwhile (one file at a time, see jest.config.js).
 *
 * @e2e-alone
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatInstant } from '@gridledger/core';
import { ledgerClient } from '@gridledger/network';
import { api, newProsumerWithMeter, profile, publish, readingsTopic, receiptsCollector, signReading, stateDir } from './support';

/** `s`, or the minute before when `s` starts a quarter-hour (on the 900 s grid too). */
const offQuarter = (s: number) => (s % 900 === 0 ? s - 60 : s);

it(
  'with the ledger at 60 s, a signed reading on a minute that starts no quarter-hour, published over MQTT, is accepted; back at 900 s, ' +
    'such a reading is refused READING_INTERVAL_MISALIGNED',
  async () => {
    const meter = await newProsumerWithMeter();
    const operator = ledgerClient(profile(), 'community', profile().orgs.community.users['community-operator']);
    const receipts = await receiptsCollector(meter, meter.meterId);
    try {
      const lastEnded = Math.floor(Date.now() / 60_000) * 60 - 60;
      const onMinute = formatInstant(offQuarter(lastEnded - 60));
      const offGrid = formatInstant(offQuarter(offQuarter(lastEnded - 60) - 60));
      const reading = signReading(
        { meterId: meter.meterId, intervalStart: onMinute, seq: 1, importWh: 50, exportWh: 0, importRegisterWh: 50, exportRegisterWh: 0 },
        meter.privateKeyPem,
      );
      const before = await operator.evaluate('metering:getParams');
      expect(JSON.parse(before).intervalSeconds).toBe(900);
      await operator.submit('metering:setParams', JSON.stringify({ intervalSeconds: 60 }));
      try {
        await publish([{ topic: readingsTopic(meter.meterId), payload: JSON.stringify(reading) }], meter.mqtt);
        const [receipt] = await receipts.waitFor(1);
        expect(receipt).toMatchObject({ meterId: meter.meterId, intervalStart: onMinute, status: 'accepted' });
        const stored = await api('community', meter.apiKey, 'GET', `/meters/${meter.meterId}/readings/${encodeURIComponent(onMinute)}`);
        expect([stored.status, stored.body.txId]).toEqual([200, receipt.txId]);
      } finally {
        await operator.submit('metering:setParams', before);
      }
      const later = signReading(
        { meterId: meter.meterId, intervalStart: offGrid, seq: 2, importWh: 50, exportWh: 0, importRegisterWh: 100, exportRegisterWh: 0 },
        meter.privateKeyPem,
      );
      await publish([{ topic: readingsTopic(meter.meterId), payload: JSON.stringify(later) }], meter.mqtt);
      const [, refused] = await receipts.waitFor(2);
      expect(refused).toMatchObject({
        meterId: meter.meterId,
        intervalStart: offGrid,
        status: 'rejected',
        code: 'READING_INTERVAL_MISALIGNED',
      });
    } finally {
      operator.close();
      await receipts.close();
    }
  },
);

it("the gateways and the bridge that up starts see PATH and the caller's GRIDLEDGER_* settings, nothing else", () => {
  // global-setup.js sets it before it starts the platform.
  expect(process.env.GRIDLEDGER_FABRIC_BIN).toBeDefined();
  for (const name of ['gateway.community', 'gateway.utility', 'gateway.regulator', 'bridge']) {
    const pid = readFileSync(join(stateDir(), 'pids', `${name}.pid`), 'utf8').split('\n')[0];
    const env = new Map(
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter((kv) => kv !== '')
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    expect([name, [...env.keys()].filter((k) => k !== 'PATH' && !k.startsWith('GRIDLEDGER_'))]).toEqual([name, []]);
    expect([name, env.get('GRIDLEDGER_FABRIC_BIN')]).toEqual([name, process.env.GRIDLEDGER_FABRIC_BIN]);
  }
});
