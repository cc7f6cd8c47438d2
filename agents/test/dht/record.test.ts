import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import fc from 'fast-check';
import { newestValid, recordKey, RecordRefused, selectNewest, signRecord, verifyRecord, type SurplusRecord } from '../../src/dht/index.js';

const key = await generateKeyPair('Ed25519');
const other = await generateKeyPair('Ed25519');
const agentId = peerIdFromPrivateKey(key).toString();

const record = (change: Partial<SurplusRecord> = {}): SurplusRecord => ({
  communityId: 'community-1',
  agentId,
  meterId: 'meter-1',
  zoneId: 'z01',
  intervalStart: 1_800_000_000,
  intervalEnd: 1_800_000_900,
  balance: 'surplus',
  energyWh: 1500,
  offers: [{ offerId: 'offer-1', energyWh: 1500, priceMicrosPerKwh: 150_000 }],
  seq: 1,
  ...change,
});
const keyOf = (r: SurplusRecord) => recordKey(r.communityId, r.intervalStart, r.agentId);
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof RecordRefused) return e.reason;
    throw e;
  }
  return 'accepted';
}

describe('surplus records', () => {
  test('a signed record verifies under its key', async () => {
    const r = record();
    await expect(verifyRecord(keyOf(r), await signRecord(r, key))).resolves.toEqual(r);
    expect(new TextDecoder().decode(keyOf(r))).toBe(`/energy/community-1/1800000000/${agentId}`);
  });

  test('any changed field breaks the signature', async () => {
    const signed = decode(await signRecord(record(), key));
    await fc.assert(
      fc.asyncProperty(
        fc.record({ energyWh: fc.nat(1e9), seq: fc.nat(1e9), price: fc.nat(1e9), meterId: fc.constantFrom('meter-2', 'meter-10') }),
        async ({ energyWh, seq, price, meterId }) => {
          fc.pre(energyWh !== 1500 || seq !== 1 || price !== 150_000);
          const forged = { ...signed.record, energyWh, seq, offers: [{ ...signed.record.offers[0], priceMicrosPerKwh: price }] };
          const r = { ...forged, meterId: seq % 2 === 0 ? meterId : forged.meterId };
          expect(await reasonOf(verifyRecord(keyOf(r), encode({ record: r, signature: signed.signature })))).toBe('bad-signature');
        },
      ),
      { numRuns: 50 },
    );
  });

  test("a record signed by another key, or stored under another agent's key, is refused", async () => {
    const r = record();
    expect(await reasonOf(verifyRecord(keyOf(r), await signRecord(r, other)))).toBe('bad-signature');
    const otherId = peerIdFromPrivateKey(other).toString();
    expect(await reasonOf(verifyRecord(recordKey('community-1', r.intervalStart, otherId), await signRecord(r, key)))).toBe('key-mismatch');
    expect(await reasonOf(verifyRecord(recordKey('community-2', r.intervalStart, agentId), await signRecord(r, key)))).toBe('key-mismatch');
  });

  test('records of another form are malformed', async () => {
    const r = record();
    const signature = decode(await signRecord(r, key)).signature;
    const cases: unknown[] = [
      { record: { ...r, energyWh: -1 }, signature },
      { record: { ...r, energyWh: 1.5 }, signature },
      { record: { ...r, intervalEnd: r.intervalStart }, signature },
      { record: { ...r, balance: 'deficit' }, signature },
      { record: { ...r, offers: [{ offerId: 'o', energyWh: 0, priceMicrosPerKwh: 1 }] }, signature },
      { record: { ...r, extra: 1 }, signature },
      { record: { ...r, agentId: 'not-a-peer-id' }, signature },
      { record: r },
    ];
    for (const value of cases) {
      const v = value as { record: SurplusRecord };
      expect(await reasonOf(verifyRecord(keyOf(v.record), encode(value)))).toBe('malformed');
    }
    expect(await reasonOf(verifyRecord(keyOf(r), new Uint8Array([0xff, 0xfe])))).toBe('malformed');
    expect(await reasonOf(verifyRecord(keyOf(r), new Uint8Array(9000).fill(32)))).toBe('malformed');
  });

  test('the selector picks the highest seq; unreadable records lose; ties go to the smallest bytes', async () => {
    const values = await Promise.all([1, 3, 2].map((seq) => signRecord(record({ seq }), key)));
    expect(selectNewest(keyOf(record()), values)).toBe(1);
    expect(selectNewest(keyOf(record()), [new Uint8Array([1]), values[0]])).toBe(1);
    const tie = [await signRecord(record({ seq: 3, energyWh: 900 }), key), values[1]];
    const smallest = Buffer.compare(Buffer.from(tie[0]), Buffer.from(tie[1])) < 0 ? 0 : 1;
    expect(selectNewest(keyOf(record()), tie)).toBe(smallest);
    expect(selectNewest(keyOf(record()), [...tie].reverse())).toBe(1 - smallest);
  });

  test("a lookup's answer is the newest valid copy: a forged one loses whatever its seq, none valid is none", async () => {
    const k = keyOf(record());
    const [older, newer] = await Promise.all([1, 2].map((seq) => signRecord(record({ seq }), key)));
    const signed = decode(older);
    const forged = encode({ record: { ...signed.record, seq: 9, energyWh: 9000 }, signature: signed.signature });
    const otherKey = await signRecord(record({ seq: 7 }), other);
    expect(selectNewest(k, [older, forged])).toBe(1);
    await expect(newestValid(k, [older, forged, otherKey])).resolves.toMatchObject({ seq: 1, energyWh: 1500 });
    await expect(newestValid(k, [forged, newer, older])).resolves.toMatchObject({ seq: 2 });
    await expect(newestValid(k, [forged, otherKey])).resolves.toBeUndefined();
    await expect(newestValid(k, [])).resolves.toBeUndefined();
  });
});
