/**
 * Batch registration of meters on the real network (docs/metering.md, "Batch registration"): the
 * operator registers 1,000 meters of four households of this file's own community in two batches
 * in flight at once; a retry answers the stored batch, other meters under its id are refused; a
 * batch with one meter that exists is refused whole (none of its meters exist after, its id stays
 * free); a reading signed by a batch-registered meter is accepted.
 */
import { generateKeyPairSync } from 'node:crypto';
import { api, operatorKey, pastInterval, signReading, uid } from './support';

const C = uid('mb');
const PER_BATCH = 500;
const HOUSEHOLDS = 4;

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

const operator = (method: string, path: string, body?: unknown) => api('community', operatorKey(), method, path, body);

it('registers 1,000 meters in two batches, idempotently and all or none, and the meters read', async () => {
  const run = uid('r');
  const participants: string[] = [];
  for (let i = 0; i < HOUSEHOLDS; i++) {
    const participantId = `${run}-h${i}`;
    const onboarded = await operator('POST', '/participants', { participantId, role: 'prosumer' });
    expect(onboarded.status).toBe(201);
    participants.push(participantId);
  }
  const meter = (n: number) => {
    const participantId = participants[n % HOUSEHOLDS];
    return { meterId: `${participantId}.m${n}`, participantId, kind: 'bidirectional', publicKeyPem, exportCapacityW: 5000, communityId: C };
  };
  const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => meter(from + i));
  const batches = [
    { batchId: `${run}-1`, meters: range(0, PER_BATCH) },
    { batchId: `${run}-2`, meters: range(PER_BATCH, PER_BATCH) },
  ];

  const started = Date.now();
  const registered = await Promise.all(batches.map((b) => operator('POST', '/meter-batches', b)));
  const seconds = (Date.now() - started) / 1000;
  for (const [i, answer] of registered.entries()) {
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ batchId: batches[i].batchId, count: PER_BATCH, mspId: 'CommunityMSP' });
  }
  console.log(`meter batches: ${2 * PER_BATCH} meters in ${seconds.toFixed(1)} s (${((2 * PER_BATCH) / seconds).toFixed(0)}/s)`);
  const last = await operator('GET', `/meters/${meter(2 * PER_BATCH - 1).meterId}`);
  expect(last.body).toMatchObject({ participantId: participants[(2 * PER_BATCH - 1) % HOUSEHOLDS], communityId: C, active: true });
  const listed = await operator('GET', `/participants/${participants[0]}/meters`);
  expect(listed.body).toHaveLength((2 * PER_BATCH) / HOUSEHOLDS);

  // A retry answers the stored batch, with the transaction that registered it.
  const retry = await operator('POST', '/meter-batches', batches[0]);
  expect(retry.status).toBe(201);
  expect(retry.body).toEqual(registered[0].body);
  const other = await operator('POST', '/meter-batches', { batchId: batches[0].batchId, meters: range(0, 3) });
  expect(other.status).toBe(409);
  expect(other.body.error.code).toBe('METER_BATCH_CONFLICT');

  // One meter that exists (the fourth) refuses the whole batch; fixed, the same id goes through.
  const fresh = range(2 * PER_BATCH, 6);
  const bad = { batchId: `${run}-bad`, meters: [...fresh.slice(0, 3), meter(7), ...fresh.slice(3)] };
  const refused = await operator('POST', '/meter-batches', bad);
  expect(refused.status).toBe(409);
  expect(refused.body.error).toMatchObject({ code: 'METER_EXISTS', details: { index: 3, meterId: meter(7).meterId } });
  for (const m of fresh) expect((await operator('GET', `/meters/${m.meterId}`)).status).toBe(404);
  const fixed = await operator('POST', '/meter-batches', { batchId: bad.batchId, meters: fresh });
  expect(fixed.status).toBe(201);
  expect(fixed.body.count).toBe(fresh.length);

  // A reading signed by a batch-registered meter's key is accepted.
  const reading = {
    meterId: meter(42).meterId,
    intervalStart: pastInterval(1),
    seq: 1,
    importWh: 120,
    exportWh: 300,
    importRegisterWh: 1_000_120,
    exportRegisterWh: 500_300,
  };
  const submitted = await operator('POST', '/readings', { readings: [signReading(reading, privateKeyPem)] });
  expect(submitted.status).toBe(200);
  expect(submitted.body.results).toEqual([expect.objectContaining({ meterId: reading.meterId, status: 'accepted' })]);
}, 300_000);
