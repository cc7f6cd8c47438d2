/**
 * Issue 20 on the real network: one organization cannot act for another's members (neither through
 * onboarding nor with a certificate its own CA issues), onboarding refuses before the CA and leaves
 * nothing behind, and a household sees its own data only (REST reads and the event stream).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaClient, ledgerClient, WalletUser } from '@gridledger/network';
import {
  api,
  chaincodeCodeOf,
  credentials,
  newProsumerWithMeter,
  openEvents,
  operatorKey,
  pastInterval,
  profile,
  readingSeries,
  uid,
} from './support';

const utilityKey = () => credentials().apiKeys.utility.utility;

/** What a call straight at the peer answers, as `user` (undefined: it went through). */
async function codeOf(
  user: WalletUser,
  org: 'utility' | 'community',
  fn: string,
  submit: boolean,
  ...args: string[]
): Promise<string | undefined> {
  const client = ledgerClient(profile(), org, user);
  try {
    const call = submit ? client.submit(fn, ...args) : client.evaluate(fn, ...args);
    const error = await call.then(
      () => undefined,
      (e: Error) => e,
    );
    if (error === undefined) return undefined;
    return chaincodeCodeOf(error) ?? error.message;
  } finally {
    client.close();
  }
}

it('the Utility cannot onboard a Community household, not even by retrying with the same Idempotency-Key', async () => {
  const home = await newProsumerWithMeter();
  const key = uid('idem');
  for (let i = 0; i < 2; i++) {
    const res = await api(
      'utility',
      utilityKey(),
      'POST',
      '/participants',
      { participantId: home.participantId, role: 'prosumer' },
      { 'Idempotency-Key': key },
    );
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('PARTICIPANT_EXISTS');
    expect(res.body.apiKey).toBeUndefined();
  }
});

it("a certificate from the Utility's CA that names a Community household acts for nobody at the chaincode", async () => {
  const home = await newProsumerWithMeter();
  const thief = await newProsumerWithMeter();
  const deposit = await api('utility', utilityKey(), 'POST', '/credits/deposits', {
    participantId: home.participantId,
    amountMicros: 1_000_000,
    reference: uid('dep'),
  });
  expect(deposit.status).toBe(201);

  // The Utility's own CA happily issues a prosumer certificate whose gl.id is the household's.
  const { url, name, rootCertPath, registrarHome } = profile().orgs.utility.ca;
  const ca = new CaClient({ url, name, rootCertPath, registrarHome, binDir: profile().binDir });
  const secret = uid('s');
  await ca.register({ id: home.participantId, secret, role: 'prosumer', type: 'client' });
  const dir = mkdtempSync(join(tmpdir(), 'gl-impostor-'));
  try {
    const enrolled = await ca.enroll(home.participantId, secret, dir);
    const impostor: WalletUser = {
      id: home.participantId,
      mspId: 'UtilityMSP',
      role: 'prosumer',
      participantId: home.participantId,
      certPath: enrolled.certPath,
      keyPath: enrolled.keyPath,
    };
    expect(await codeOf(impostor, 'utility', 'credits:getAccount', false, home.participantId)).toBe('ACCESS_DENIED');
    expect(
      await codeOf(
        impostor,
        'utility',
        'credits:transfer',
        true,
        JSON.stringify({ toParticipantId: thief.participantId, amountMicros: 1_000, reference: uid('r') }),
      ),
    ).toBe('ACCESS_DENIED');
    expect(await codeOf(impostor, 'utility', 'registry:listMeters', false, home.participantId)).toBe('ACCESS_DENIED');
    expect(await codeOf(impostor, 'utility', 'energy:getTokenBalance', false, home.participantId)).toBe('ACCESS_DENIED');
    const order = {
      clientOrderId: uid('o'),
      communityId: profile().mqtt.communityId,
      intervalStart: pastInterval(-100),
      side: 'buy',
      energyWh: 100,
      priceMicrosPerKwh: 1,
    };
    expect(await codeOf(impostor, 'utility', 'market:placeOrder', true, JSON.stringify(order))).toBe('ACCESS_DENIED');
    await ca.remove(home.participantId);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The household's own account is whole.
  const account = await api('community', home.apiKey, 'GET', `/credits/${home.participantId}`);
  expect(account.status).toBe(200);
  expect(account.body.availableMicros).toBe(1_000_000);
});

it('onboarding refuses reserved ids and invisible characters before the CA, and a refused id stays free', async () => {
  const reserved = await api('utility', utilityKey(), 'POST', '/participants', { participantId: 'utility', role: 'consumer' });
  expect(reserved.status).toBe(400);
  expect(reserved.body.error.code).toBe('PARTICIPANT_ID_INVALID');
  const participantId = uid('bidi');
  const bidi = await api('community', operatorKey(), 'POST', '/participants', {
    participantId,
    role: 'consumer',
    displayName: 'Alice\u202Etxt.exe',
  });
  expect(bidi.status).toBe(400);
  expect(bidi.body.error.code).toBe('REQUEST_INVALID');
  // Nothing was burned at the CA: the same id onboards with a proper name.
  const ok = await api('community', operatorKey(), 'POST', '/participants', { participantId, role: 'consumer', displayName: 'Alice' });
  expect(ok.status).toBe(201);
  // The Utility does not mint itself an operator.
  const op = await api('utility', utilityKey(), 'POST', '/participants', { participantId: uid('op'), role: 'operator' });
  expect(op.status).toBe(403);
});

it("a household reads its own meters and readings, not another's", async () => {
  const alice = await newProsumerWithMeter();
  const bob = await newProsumerWithMeter();
  const range = `from=${encodeURIComponent(pastInterval(10))}&to=${encodeURIComponent(pastInterval(0))}`;
  expect((await api('community', alice.apiKey, 'GET', `/meters/${alice.meterId}/readings?${range}`)).status).toBe(200);
  for (const path of [
    `/meters/${bob.meterId}/readings?${range}`,
    `/meters/${bob.meterId}`,
    `/participants/${bob.participantId}`,
    `/participants/${bob.participantId}/meters`,
  ]) {
    const res = await api('community', alice.apiKey, 'GET', path);
    expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status: 403, code: 'ACCESS_DENIED' });
  }
  expect((await api('community', operatorKey(), 'GET', `/meters/${bob.meterId}/readings?${range}`)).status).toBe(200);
});

it("a household's event stream holds its own records and public aggregates, nothing about another participant", async () => {
  const alice = await newProsumerWithMeter();
  const bob = await newProsumerWithMeter();
  const stream = await openEvents({}, '', alice.apiKey);
  const everything = await openEvents();
  try {
    const refBob = uid('dep');
    const refAlice = uid('dep');
    expect(
      (
        await api('utility', utilityKey(), 'POST', '/credits/deposits', {
          participantId: bob.participantId,
          amountMicros: 7_000,
          reference: refBob,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api('utility', utilityKey(), 'POST', '/credits/deposits', {
          participantId: alice.participantId,
          amountMicros: 5_000,
          reference: refAlice,
        })
      ).status,
    ).toBe(201);
    const bobReadings = await api('community', operatorKey(), 'POST', '/readings', { readings: readingSeries(bob, 1) });
    expect(bobReadings.status).toBeLessThan(300);
    const aliceReadings = await api('community', operatorKey(), 'POST', '/readings', { readings: readingSeries(alice, 1) });
    expect(aliceReadings.status).toBeLessThan(300);
    // The operator's stream has all of it; alice's has her deposit and her reading.
    await everything.until(
      (e) => e.some((x) => x.data.payload.reference === refAlice) && e.some((x) => JSON.stringify(x.data.payload).includes(alice.meterId)),
    );
    await stream.until(
      (e) => e.some((x) => x.data.payload.reference === refAlice) && e.some((x) => JSON.stringify(x.data.payload).includes(alice.meterId)),
    );
    expect(everything.events.some((x) => x.data.payload.reference === refBob)).toBe(true);
    const seen = JSON.stringify(stream.events);
    expect(seen).not.toContain(bob.participantId);
    expect(seen).not.toContain(refBob);
    for (const e of stream.events) {
      const text = JSON.stringify(e.data.payload);
      const aboutAlice = text.includes(alice.participantId);
      expect({
        event: e.event,
        ok:
          aboutAlice ||
          ['IntervalCleared', 'IntervalClosed', 'IntervalSettled', 'WindowClosed', 'MarketParamsChanged', 'MeteringParamsChanged'].includes(
            e.event,
          ),
      }).toEqual({ event: e.event, ok: true });
    }
  } finally {
    await stream.close();
    await everything.close();
  }
});
