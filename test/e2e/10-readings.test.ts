/**
 * Readings from a meter to the ledger through the real broker, bridge, peers and orderers.
 */
import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  api,
  mosquittoPub,
  newProsumerWithMeter,
  operatorKey,
  pastInterval,
  profile,
  publish,
  readingSeries,
  readingsTopic,
  receiptsCollector,
  signReading,
  storedReadings,
  uid,
} from './support';

it(
  'a reading signed with openssl alone and published with mosquitto_pub reaches the ledger, with its transaction id on the receipts ' +
    'topic and through the API; sent again, its receipt is a duplicate naming that transaction',
  async () => {
    // The recipe in docs/metering.md, step by step, with the real tools.
    const dir = mkdtempSync(join(tmpdir(), 'gl-openssl-'));
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'meter.pem')]);
    execFileSync('openssl', ['ec', '-in', join(dir, 'meter.pem'), '-pubout', '-out', join(dir, 'meter.pub.pem')], { stdio: 'ignore' });
    const participantId = uid('os');
    const onboarded = await api('community', operatorKey(), 'POST', '/participants', { participantId, role: 'prosumer' });
    expect(onboarded.status).toBe(201);
    const meterId = `${participantId}.main`;
    const registered = await api('community', onboarded.body.apiKey, 'POST', '/meters', {
      meterId,
      participantId,
      kind: 'bidirectional',
      publicKeyPem: readFileSync(join(dir, 'meter.pub.pem'), 'utf8'),
      exportCapacityW: 5000,
      communityId: profile().mqtt.communityId,
    });
    expect(registered.status).toBe(201);

    const intervalStart = pastInterval(1);
    writeFileSync(
      join(dir, 'reading.json'),
      JSON.stringify({
        meterId,
        intervalStart,
        seq: 7,
        importWh: 0,
        exportWh: 1234,
        importRegisterWh: 5000000,
        exportRegisterWh: 12345678,
      }),
    );
    execSync(
      `jq -cjS 'del(.sig)' reading.json > reading.bytes && sig=$(openssl dgst -sha256 -sign meter.pem reading.bytes | base64 -w0) && jq ` +
        `-c --arg sig "$sig" '. + {sig: $sig}' reading.json > signed.json`,
      { cwd: dir, shell: '/bin/bash' },
    );

    // The registration handed out the meter's broker credential; the household watches its receipts with its own.
    expect(registered.body.mqtt).toMatchObject({ username: `meter:${meterId}`, clientId: `meter:${meterId}`, url: profile().mqtt.url });
    const receipts = await receiptsCollector({ participantId, apiKey: onboarded.body.apiKey }, meterId);
    try {
      mosquittoPub(registered.body.mqtt, readingsTopic(meterId), readFileSync(join(dir, 'signed.json'), 'utf8').trim());
      const [receipt] = await receipts.waitFor(1);
      expect(receipt).toMatchObject({ meterId, intervalStart, status: 'accepted' });
      expect(receipt.txId).toMatch(/^[0-9a-f]{64}$/);

      const stored = await api(
        'community',
        onboarded.body.apiKey,
        'GET',
        `/meters/${meterId}/readings/${encodeURIComponent(intervalStart)}`,
      );
      expect(stored.status).toBe(200);
      expect(stored.body).toMatchObject({ meterId, intervalStart, seq: 7, exportWh: 1234, txId: receipt.txId });

      // The meter sends it again (it missed the receipt, say): a duplicate, whose receipt names the first recording's transaction.
      mosquittoPub(registered.body.mqtt, readingsTopic(meterId), readFileSync(join(dir, 'signed.json'), 'utf8').trim());
      const [, replayed] = await receipts.waitFor(2);
      expect(replayed).toMatchObject({ meterId, intervalStart, status: 'duplicate', txId: receipt.txId });
    } finally {
      await receipts.close();
    }
  },
);

it(
  'bad signature, unknown meter and malformed payloads are refused with stable codes, the good readings of the same batch are kept, ' +
    'and a replay is a no-op',
  async () => {
    const meter = await newProsumerWithMeter();
    const [first, second, third] = readingSeries(meter, 3);
    const forged = { ...second, exportWh: second.exportWh + 1 }; // signature no longer covers the fields
    const stranger = await newProsumerWithMeter();
    const unknown = signReading({ ...third, meterId: `${meter.meterId}-nope` }, meter.privateKeyPem);

    // Straight to the gateway as one batch: every reading gets its own verdict.
    const res = await api('community', operatorKey(), 'POST', '/readings', { readings: [first, forged, unknown, third, first] });
    expect(res.status).toBe(200);
    const byIndex = (res.body.results as { index: number; status: string; code?: string }[]).sort((a, b) => a.index - b.index);
    expect(byIndex.map((r) => r.status)).toEqual(['accepted', 'rejected', 'rejected', 'accepted', 'duplicate']);
    expect(byIndex[1].code).toBe('READING_BAD_SIGNATURE');
    expect(byIndex[2].code).toBe('METER_NOT_REGISTERED');

    // Malformed payloads over MQTT get a rejected receipt with the stable code.
    const receipts = await receiptsCollector(stranger, stranger.meterId);
    try {
      await publish(
        [
          { topic: readingsTopic(stranger.meterId), payload: 'not json' },
          {
            topic: readingsTopic(stranger.meterId),
            payload: JSON.stringify({ meterId: stranger.meterId, intervalStart: pastInterval(1), seq: 1 }),
          },
        ],
        stranger.mqtt,
      );
      const got = await receipts.waitFor(2);
      expect(got.map((r) => [r.status, r.code])).toEqual([
        ['rejected', 'READING_MALFORMED'],
        ['rejected', 'READING_MALFORMED'],
      ]);
    } finally {
      await receipts.close();
    }

    // Replaying the accepted readings changes nothing: still exactly two, each once, with its first transaction.
    const before = await storedReadings(meter);
    const replay = await api('community', operatorKey(), 'POST', '/readings', { readings: [third, first] });
    expect((replay.body.results as { status: string }[]).map((r) => r.status)).toEqual(['duplicate', 'duplicate']);
    const after = await storedReadings(meter);
    expect(after).toHaveLength(2);
    expect(after.map((r) => r.txId)).toEqual(before.map((r) => r.txId));
  },
);

it('readings of one meter published out of order over MQTT, one of them lost, are all recorded', async () => {
  const meter = await newProsumerWithMeter();
  const series = readingSeries(meter, 6);
  const lost = series.splice(2, 1); // seq 3 never arrives
  expect(lost).toHaveLength(1);
  const receipts = await receiptsCollector(meter, meter.meterId);
  try {
    await publish(
      [...series].reverse().map((r) => ({ topic: readingsTopic(meter.meterId), payload: JSON.stringify(r) })),
      meter.mqtt,
    );
    const got = await receipts.waitFor(5);
    expect(got.filter((r) => r.status === 'accepted')).toHaveLength(5);
  } finally {
    await receipts.close();
  }
  const stored = await storedReadings(meter);
  expect(stored.map((r) => r.seq)).toEqual([1, 2, 4, 5, 6]);
});
