/**
 * Agent identities on the real network (docs/security.md, *Agent identities*): an owner gets its
 * agent's API key (a certificate of the owner's organization with gl.agent=true); the agent offers
 * only once the owner's mandate turns automation on; it is refused setting the mandate, a credit
 * transfer and a dispute; its spot order beyond the mandate's maximum buy price is refused by the
 * chaincode; the meter's binding to the agent's peer id is read from the mandate; a revoked agent
 * key is refused.
 *
 * @metering-interval 60
 * @metering-late-window 2160000
 */
import { formatInstant, UNLIMITED_MANDATE } from '@gridledger/core';
import { QUARTER_HOUR_MARKET, trader, Trader, useMeteringInterval } from './market-support';
import { api, credentials, operatorKey, uid } from './support';

const C = uid('agents');
const LEN = 60;
const params = { ...QUARTER_HOUR_MARKET, intervalSeconds: LEN, gateClosureSeconds: 10, openingHorizonSeconds: 3600 };
/** A peer id libp2p printed for an Ed25519 key it generated. */
const AGENT_ID = '12D3KooWJiGKTLEu5HwxVHpfUXGoyRnhWG3MchFSQ8ZPQo5J1wNp';
const codeOf = (r: { status: number; body: { error?: { code: string } } }) => [r.status, r.body.error?.code];
const call = (key: string, method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  api('community', key, method, path, body, headers);

useMeteringInterval(LEN);

it(
  'an agent key offers only with automation on, is refused the mandate, transfers, disputes and a spot order beyond the mandate; ' +
    'the binding route answers the mandate; a revoked agent key is 401',
  async () => {
    expect((await api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, params)).status).toBe(200);
    const [s1, b1] = await Promise.all(['s1', 'b1'].map((n) => trader(n, C)));
    const deposit = await api('utility', credentials().apiKeys.utility.utility, 'POST', '/credits/deposits', {
      participantId: b1.participantId,
      amountMicros: 1_000_000,
      reference: `dep-${b1.participantId}`,
    });
    expect(deposit.status).toBe(201);

    // The owner gets its agent's key: shown once; a retry under the same Idempotency-Key answers the same key.
    const agentKeyOf = (t: Trader, idem: string) =>
      call(t.apiKey, 'POST', `/participants/${t.participantId}/agent-keys`, {}, { 'Idempotency-Key': idem });
    const [issued, again] = [await agentKeyOf(s1, 'k1'), await agentKeyOf(s1, 'k1')];
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ userId: `${s1.participantId}.agent`, participantId: s1.participantId });
    expect(again.body.apiKey).toBe(issued.body.apiKey);
    const s1Agent = issued.body.apiKey as string;
    const b1Agent = (await agentKeyOf(b1, 'k1')).body.apiKey as string;
    expect(codeOf(await call(s1Agent, 'POST', `/participants/${s1.participantId}/agent-keys`, {}))).toEqual([403, 'ACCESS_DENIED']);
    expect(codeOf(await call(b1.apiKey, 'POST', `/participants/${s1.participantId}/agent-keys`, {}))).toEqual([403, 'ACCESS_DENIED']);
    // The chaincode sees the owner's gl.id and role, and gl.agent.
    expect((await call(s1Agent, 'GET', `/participants/${s1.participantId}`)).body).toMatchObject({ participantId: s1.participantId });

    const I = Math.ceil((Date.now() / 1000 + 45) / LEN) * LEN;
    const offer = { communityId: C, meterId: s1.meterId, intervalStart: formatInstant(I), energyWh: 500, priceMicrosPerKwh: 120_000 };
    expect(codeOf(await call(s1Agent, 'POST', '/p2p/offers', { clientOfferId: 'o1', ...offer }))).toEqual([403, 'MANDATE_AUTOMATION_OFF']);
    expect(codeOf(await call(s1Agent, 'PUT', `/p2p/mandates/${s1.participantId}`, UNLIMITED_MANDATE))).toEqual([403, 'ACCESS_DENIED']);
    expect(codeOf(await call(s1.apiKey, 'PUT', `/p2p/mandates/${s1.participantId}`, { ...UNLIMITED_MANDATE, agentId: 'Qm1' }))).toEqual([
      400,
      'MANDATE_INVALID',
    ]);
    expect((await call(s1.apiKey, 'PUT', `/p2p/mandates/${s1.participantId}`, { ...UNLIMITED_MANDATE, agentId: AGENT_ID })).status).toBe(
      200,
    );
    expect((await call(s1Agent, 'POST', '/p2p/offers', { clientOfferId: 'o1', ...offer })).status).toBe(201);

    // Outside p2p the agent reads and places spot orders only: a transfer and a dispute are refused by the chaincode's list.
    const transfer = await call(s1Agent, 'POST', '/credits/transfers', {
      toParticipantId: b1.participantId,
      amountMicros: 1,
      reference: 'r1',
    });
    expect(codeOf(transfer)).toEqual([403, 'ACCESS_DENIED']);
    expect(transfer.body.error.details).toMatchObject({ transaction: 'credits:transfer' });
    const dispute = await call(s1Agent, 'POST', '/disputes', {
      meterId: s1.meterId,
      intervalStart: formatInstant(I - LEN),
      reason: 'agent',
    });
    expect(codeOf(dispute)).toEqual([403, 'ACCESS_DENIED']);
    expect((await call(s1Agent, 'GET', `/credits/${s1.participantId}`)).status).toBe(200);

    // The buyer's agent bids within its owner's maximum buy price; beyond it the chaincode refuses the order.
    const limits = { ...UNLIMITED_MANDATE, maxBuyPriceMicrosPerKwh: 100_000 };
    expect((await call(b1.apiKey, 'PUT', `/p2p/mandates/${b1.participantId}`, limits)).status).toBe(200);
    const bid = { communityId: C, intervalStart: formatInstant(I), side: 'buy', energyWh: 100 };
    const beyond = await call(b1Agent, 'POST', '/orders', { clientOrderId: 'a1', ...bid, priceMicrosPerKwh: 150_000 });
    expect(codeOf(beyond)).toEqual([422, 'MANDATE_PRICE_ABOVE_MAXIMUM']);
    expect((await call(b1Agent, 'POST', '/orders', { clientOrderId: 'a2', ...bid, priceMicrosPerKwh: 100_000 })).status).toBe(201);

    // The binding: the seller's meter to the mandate's agentId; the buyer's mandate names none.
    expect((await call(b1Agent, 'GET', `/p2p/meters/${s1.meterId}/agent`)).body).toEqual({
      meterId: s1.meterId,
      agentId: AGENT_ID,
      participantId: s1.participantId,
    });
    expect(codeOf(await call(s1.apiKey, 'GET', `/p2p/meters/${b1.meterId}/agent`))).toEqual([404, 'AGENT_BINDING_NOT_FOUND']);

    // The owner revokes its agent's key: the agent is refused at its next request.
    const keys = await call(s1.apiKey, 'GET', `/participants/${s1.participantId}/agent-keys`);
    expect(keys.body.keys.map((k: { keyId: string }) => k.keyId)).toEqual([issued.body.keyId]);
    expect((await call(s1.apiKey, 'DELETE', `/participants/${s1.participantId}/agent-keys/${issued.body.keyId}`)).status).toBe(204);
    expect(codeOf(await call(s1Agent, 'GET', `/credits/${s1.participantId}`))).toEqual([401, 'API_KEY_REVOKED']);
  },
  240_000,
);
