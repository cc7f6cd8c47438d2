/**
 * The paged lists (docs/api.md, *Lists*) on the real network, in a community of the file's own with
 * two households: a dispute is in the community's open list until the operator resolves it; an
 * asset is in the regulator's verification queue until verified; a deposit is in the utility's
 * record of the community and the household's own; the operator lists the participants and meters
 * (a household and the regulator are refused); a proposed contract is in both parties' lists and
 * the community's; two cleared intervals come newest first with `order=desc`; the backfill of an
 * older ledger's indexes runs a page.
 */
import { formatInstant } from '@gridledger/core/core';
import { QUARTER_HOUR_MARKET, trader, type Trader } from './market-support';
import { api, type ApiResult, closeWindow, credentials, type JsonAnswer, operatorKey, pastInterval, signReading, uid } from './support';

const C = uid('lists');
const T = pastInterval(1);
const EARLIER = pastInterval(2);
const utilityKey = () => credentials().apiKeys.utility.utility;
const regulatorKey = () => credentials().apiKeys.regulator.regulator;
let a: Trader;
let b: Trader;

async function ok(pending: Promise<ApiResult>, status = 200): Promise<JsonAnswer> {
  const answer = await pending;
  if (answer.status !== status) throw new Error(`${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}
const refused = async (pending: Promise<ApiResult>) => expect((await pending).status).toBe(403);
const community = (path: string) => `/communities/${C}/${path}`;
const field = (page: JsonAnswer, name: string) => (page.items as JsonAnswer[]).map((i) => i[name]);

beforeAll(async () => {
  await ok(api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, QUARTER_HOUR_MARKET));
  [a, b] = await Promise.all([trader('lists', C), trader('lists', C)]);
  const reading = { meterId: a.meterId, intervalStart: T, seq: 1, importWh: 300, exportWh: 1_000 };
  const signed = signReading({ ...reading, importRegisterWh: 300, exportRegisterWh: 1_000 }, a.privateKeyPem);
  expect((await ok(api('community', operatorKey(), 'POST', '/readings', { readings: [signed] }))).results[0].status).toBe('accepted');
  expect((await closeWindow(T, C)).status).toBe(200);
  // Two intervals cleared (empty books: their gates passed long ago), the earlier first.
  for (const start of [EARLIER, T])
    for (const step of ['close', 'clear'])
      await ok(api('community', operatorKey(), 'POST', `/markets/${C}/intervals/${encodeURIComponent(start)}/${step}`));
});

test("a dispute is in the community's open list until resolved, and in the household's own", async () => {
  const dispute = { meterId: a.meterId, intervalStart: T, reason: 'my display showed 0.8 kWh' };
  await ok(api('community', a.apiKey, 'POST', '/disputes', dispute), 201);
  const open = () => ok(api('community', operatorKey(), 'GET', community('disputes')));
  expect((await open()).items).toMatchObject([{ ...dispute, status: 'open', participantId: a.participantId }]);
  await refused(api('community', a.apiKey, 'GET', community('disputes')));
  await refused(api('regulator', regulatorKey(), 'GET', community('disputes')));
  await refused(api('community', b.apiKey, 'GET', `/participants/${a.participantId}/disputes`));

  const resolution = { meterId: a.meterId, intervalStart: T, importWh: 300, exportWh: 800, note: 'per the display' };
  await ok(api('community', operatorKey(), 'POST', '/disputes/resolutions', resolution));
  expect((await open()).items).toEqual([]);
  const own = await ok(api('community', a.apiKey, 'GET', `/participants/${a.participantId}/disputes`));
  expect(own.items).toMatchObject([{ meterId: a.meterId, intervalStart: T, status: 'resolved' }]);
});

test("an asset is in the regulator's verification queue until verified", async () => {
  const assetId = `${a.participantId}.pv`;
  const asset = {
    assetId,
    participantId: a.participantId,
    meterId: a.meterId,
    source: 'solar',
    capacityW: 4_000,
    zone: 'z',
    feeder: 'f1',
    location: '52.40 N 13.10 E',
    commissionedOn: '2024-05-01',
    certificationHash: 'c0'.repeat(32),
  };
  await ok(api('community', a.apiKey, 'POST', '/assets', asset), 201);
  const queue = () => ok(api('regulator', regulatorKey(), 'GET', community('unverified-assets')));
  expect(field(await queue(), 'assetId')).toEqual([assetId]);
  expect(field(await ok(api('community', operatorKey(), 'GET', community('unverified-assets'))), 'assetId')).toEqual([assetId]);
  await refused(api('community', a.apiKey, 'GET', community('unverified-assets')));
  await ok(api('regulator', regulatorKey(), 'POST', `/assets/${assetId}/verification`));
  expect((await queue()).items).toEqual([]);
});

test("a deposit is in the utility's record of the community and in the household's own", async () => {
  const since = formatInstant(Math.floor(Date.now() / 1000) - 600);
  const deposit = { participantId: b.participantId, amountMicros: 1_234, reference: uid('dep') };
  await ok(api('utility', utilityKey(), 'POST', '/credits/deposits', deposit), 201);
  const listed = await ok(api('utility', utilityKey(), 'GET', `${community('bank-entries')}?from=${encodeURIComponent(since)}`));
  expect(listed.items).toMatchObject([{ ...deposit, kind: 'deposit' }]);
  const own = await ok(api('community', b.apiKey, 'GET', `/participants/${b.participantId}/bank-entries`));
  expect(own.items).toMatchObject([{ reference: deposit.reference, amountMicros: 1_234 }]);
  await refused(api('community', a.apiKey, 'GET', `/participants/${b.participantId}/bank-entries`));
  await refused(api('community', operatorKey(), 'GET', community('bank-entries')));
  await refused(api('regulator', regulatorKey(), 'GET', community('bank-entries')));
});

test('the operator lists the participants and meters, in pages; a household and the regulator are refused', async () => {
  const first = await ok(api('community', operatorKey(), 'GET', `${community('participants')}?pageSize=1`));
  expect(first.items).toHaveLength(1);
  const rest = await ok(api('community', operatorKey(), 'GET', `${community('participants')}?pageSize=1&bookmark=${first.bookmark}`));
  expect([...field(first, 'participantId'), ...field(rest, 'participantId')].sort()).toEqual([a.participantId, b.participantId].sort());
  const meters = await ok(api('community', operatorKey(), 'GET', community('meters')));
  expect(field(meters, 'meterId').sort()).toEqual([a.meterId, b.meterId].sort());
  for (const path of ['participants', 'meters']) {
    await refused(api('community', a.apiKey, 'GET', community(path)));
    await refused(api('regulator', regulatorKey(), 'GET', community(path)));
  }
});

test("a contract is in its parties' lists and the community's", async () => {
  const day = formatInstant(Math.floor(Date.now() / 86_400_000) * 86_400 + 86_400).slice(0, 10);
  const terms = { communityId: C, sellerId: a.participantId, buyerId: b.participantId, energyWhPerInterval: 100 };
  const proposal = { ...terms, priceMicrosPerKwh: 100_000, firstDay: day, lastDay: day, dailyFrom: '10:00', dailyTo: '10:30' };
  const { contract } = await ok(api('community', a.apiKey, 'POST', '/contracts', { clientContractId: uid('k'), ...proposal }), 201);
  for (const party of [a, b]) {
    const own = await ok(api('community', party.apiKey, 'GET', `/participants/${party.participantId}/contracts`));
    expect(field(own, 'contractId')).toEqual([contract.contractId]);
  }
  expect(field(await ok(api('regulator', regulatorKey(), 'GET', community('contracts'))), 'contractId')).toEqual([contract.contractId]);
  await refused(api('community', a.apiKey, 'GET', community('contracts')));
});

test('the results come newest first with order=desc', async () => {
  const path = `/markets/${C}/results`;
  expect(field(await ok(api('community', a.apiKey, 'GET', `${path}?order=desc`)), 'intervalStart')).toEqual([T, EARLIER]);
  expect(field(await ok(api('community', a.apiKey, 'GET', path)), 'intervalStart')).toEqual([EARLIER, T]);
  const newest = await ok(api('regulator', regulatorKey(), 'GET', `${path}?order=desc&pageSize=1`));
  expect(field(newest, 'intervalStart')).toEqual([T]);
  expect(newest.bookmark).not.toBe('');
});

test("the backfill of an older ledger's indexes writes a page, for the operator and the regulator only", async () => {
  const page = await ok(api('community', operatorKey(), 'POST', '/list-indexes/backfill', { kind: 'contracts', pageSize: 5 }));
  expect(page).toMatchObject({ kind: 'contracts', indexed: expect.any(Number), txId: expect.any(String) });
  expect(page.indexed).toBeGreaterThan(0);
  await refused(api('community', a.apiKey, 'POST', '/list-indexes/backfill', { kind: 'contracts' }));
  await refused(api('utility', utilityKey(), 'POST', '/list-indexes/backfill', { kind: 'contracts' }));
});
