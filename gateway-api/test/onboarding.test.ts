import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { FileOnboardingStore, listen } from '../src';
import { Harness, startHarness } from './support/fakes';

const carol = { participantId: 'carol', role: 'prosumer', displayName: 'Carol' };
type Body = { participant: Record<string, unknown>; apiKey: string; txId?: string; apiKeyReissued?: boolean };

let h: Harness;
afterEach(async () => {
  await h.close();
});

const onboard = (key: string, body: unknown = carol, idempotencyKey?: string) =>
  h.fetch('/api/v1/participants', {
    method: 'POST',
    key,
    json: body,
    headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {},
  });

/** The registry's answers on the fake ledger: records by id, with the caller's MSP and id, as the chaincode writes them. */
function ledgerRegistry(harness: Harness, opts: { loseAnswer?: () => boolean; refuse?: () => GridLedgerError | undefined } = {}) {
  const records = new Map<string, Record<string, unknown>>();
  harness.ledger.evaluateHandler = (fn, args) => {
    if (fn !== 'registry:getParticipant') return {};
    const found = records.get(args[0]);
    if (found === undefined) throw new GridLedgerError(ErrorCodes.PARTICIPANT_NOT_FOUND, `no participant ${args[0]}`);
    return found;
  };
  harness.ledger.submitHandler = (_fn, args, user) => {
    const refusal = opts.refuse?.();
    if (refusal) throw refusal;
    const sent = JSON.parse(args[0]) as Record<string, unknown>;
    if (records.has(sent.participantId as string)) throw new GridLedgerError(ErrorCodes.PARTICIPANT_EXISTS, 'exists');
    const record = { ...sent, mspId: user.mspId, registeredBy: user.participantId ?? user.id };
    records.set(sent.participantId as string, record);
    if (opts.loseAnswer?.()) throw new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'the commit status was lost');
    return { ...sent, mspId: user.mspId };
  };
  return records;
}

describe('onboarding', () => {
  beforeEach(async () => {
    h = await startHarness();
    ledgerRegistry(h);
  });

  it('registers at the CA, enrolls, records on the ledger as the operator and returns a working key once', async () => {
    const res = await onboard(h.key.operator);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Body;
    expect(body.participant).toEqual({ participantId: 'carol', role: 'prosumer', displayName: 'Carol', mspId: 'CommunityMSP' });
    expect(body.txId).toBe('tx-1');
    expect(h.ca.registered.get('carol')).toMatchObject({ id: 'carol', role: 'prosumer', type: 'client' });
    expect(h.wallet.get('carol')).toMatchObject({
      role: 'prosumer',
      participantId: 'carol',
      certPath: '/state/orgs/community/users/carol/msp/signcerts/cert.pem',
    });
    expect(h.ledger.calls).toEqual([
      { kind: 'evaluate', user: 'op-1', fn: 'registry:getParticipant', args: ['carol'] },
      {
        kind: 'submit',
        user: 'op-1',
        fn: 'registry:registerParticipant',
        args: [JSON.stringify({ participantId: 'carol', role: 'prosumer', displayName: 'Carol' })],
      },
    ]);
    // The key is carol's: the ledger is called as carol.
    h.ledger.evaluateHandler = () => ({ participantId: 'carol' });
    const me = await h.fetch('/api/v1/participants/carol', { key: body.apiKey });
    expect(me.status).toBe(200);
    expect(h.ledger.calls[2]).toMatchObject({ user: 'carol', fn: 'registry:getParticipant', args: ['carol'] });
  });

  it("answers once every organization's peer holds the new participant: a peer a block behind is waited for", async () => {
    await h.close();
    h = await startHarness({ channelMspIds: ['CommunityMSP', 'UtilityMSP', 'RegulatorMSP'] });
    ledgerRegistry(h);
    const atOwnPeer = h.ledger.evaluateHandler;
    let misses = 2;
    h.ledger.evaluateHandler = (fn, args, user, options) => {
      if (options?.endorsingOrganizations?.[0] === 'UtilityMSP' && misses > 0) {
        misses -= 1;
        throw new GridLedgerError(ErrorCodes.PARTICIPANT_NOT_FOUND, 'the Utility peer has not the block yet');
      }
      return atOwnPeer(fn, args, user);
    };
    expect((await onboard(h.key.operator)).status).toBe(201);
    expect(misses).toBe(0);
    const asked = h.ledger.calls.filter((c) => c.options?.endorsingOrganizations).map((c) => c.options!.endorsingOrganizations![0]);
    expect(asked).toEqual(['CommunityMSP', 'UtilityMSP', 'UtilityMSP', 'UtilityMSP', 'RegulatorMSP']);
  });

  it("asks no other organization's peer when the channel's organizations are not given", async () => {
    expect((await onboard(h.key.operator)).status).toBe(201);
    expect(h.ledger.calls.filter((c) => c.options !== undefined)).toEqual([]);
  });

  it('returns the same result for a retry with the same Idempotency-Key, onboarding once', async () => {
    const first = (await (await onboard(h.key.operator, carol, 'k-1')).json()) as Body;
    const retry = await onboard(h.key.operator, carol, 'k-1');
    expect(retry.status).toBe(201);
    expect(await retry.json()).toEqual(first);
    expect(h.ca.registerCalls).toBe(1);
    expect(h.ledger.calls.filter((c) => c.kind === 'submit')).toHaveLength(1);
  });

  it('onboards once when two requests with the same key race', async () => {
    const [a, b] = await Promise.all([onboard(h.key.operator, carol, 'k-race'), onboard(h.key.operator, carol, 'k-race')]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(((await a.json()) as Body).apiKey).toBe(((await b.json()) as Body).apiKey);
    expect(h.ca.registerCalls).toBe(1);
  });

  it('refuses the same Idempotency-Key with a different request', async () => {
    await onboard(h.key.operator, carol, 'k-2');
    const res = await onboard(h.key.operator, { ...carol, displayName: 'Someone else' }, 'k-2');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(ErrorCodes.REQUEST_INVALID);
  });

  it('answers 409 PARTICIPANT_EXISTS to a second onboarding without a key', async () => {
    expect((await onboard(h.key.operator)).status).toBe(201);
    const res = await onboard(h.key.operator);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(ErrorCodes.PARTICIPANT_EXISTS);
  });

  it('resumes where a failed attempt stopped: a ledger outage after the CA step', async () => {
    let down = true;
    ledgerRegistry(h, { refuse: () => (down ? new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'no peer') : undefined) });
    const failed = await onboard(h.key.operator, carol, 'k-3');
    expect(failed.status).toBe(503);
    down = false;
    const retry = await onboard(h.key.operator, carol, 'k-3');
    expect(retry.status).toBe(201);
    expect(h.ca.registerCalls).toBe(1);
    expect(h.ca.enrollCalls).toBe(1);
    const body = (await retry.json()) as Body;
    expect(h.keys.lookup(body.apiKey)).toMatchObject({ state: 'active', record: { userId: 'carol' } });
  });

  it('resumes an attempt whose ledger answer was lost: the record is its own (MSP, role, name, author)', async () => {
    let lose = true;
    ledgerRegistry(h, { loseAnswer: () => lose });
    expect((await onboard(h.key.operator, carol, 'k-5')).status).toBe(503);
    lose = false;
    const retry = await onboard(h.key.operator, carol, 'k-5');
    expect(retry.status).toBe(201);
    expect(((await retry.json()) as Body).participant).toMatchObject({ participantId: 'carol', mspId: 'CommunityMSP' });
  });

  it("never takes over another organization's participant: 409 every time, nothing at the CA or in the wallet", async () => {
    const records = ledgerRegistry(h);
    records.set('carol', { participantId: 'carol', role: 'prosumer', displayName: 'Carol', mspId: 'UtilityMSP', registeredBy: 'utility' });
    for (let i = 0; i < 2; i++) {
      const res = await onboard(h.key.operator, carol, 'k-6');
      expect(res.status).toBe(409);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(ErrorCodes.PARTICIPANT_EXISTS);
    }
    expect(h.ca.registerCalls).toBe(0);
    expect(h.deps.wallet.get('carol')).toBeUndefined();
  });

  it(
    'a participant taken between the check and the ledger write is ' + 'not ours either: the CA identity and wallet entry are undone',
    async () => {
      const records = ledgerRegistry(h);
      h.ca.register = async (identity) => {
        h.ca.registerCalls++;
        h.ca.registered.set(identity.id, identity);
        // Another organization registers the same id meanwhile.
        records.set('carol', { participantId: 'carol', role: 'prosumer', mspId: 'UtilityMSP', registeredBy: 'utility' });
      };
      for (let i = 0; i < 2; i++) expect((await onboard(h.key.operator, carol, 'k-7')).status).toBe(409);
      expect(h.ca.removed).toEqual(['carol']);
      expect(h.ca.registered.has('carol')).toBe(false);
      expect(h.deps.wallet.get('carol')).toBeUndefined();
    },
  );

  it('refuses reserved ids and names with invisible characters before the CA', async () => {
    for (const body of [
      { ...carol, participantId: 'utility' },
      { ...carol, displayName: 'Car\u202Eol' },
      { ...carol, displayName: 'Carol\u0007' },
    ]) {
      const res = await onboard(h.key.operator, body);
      expect(res.status).toBe(400);
    }
    expect(h.ca.registerCalls).toBe(0);
    expect(h.ledger.calls.filter((c) => c.kind === 'submit')).toHaveLength(0);
  });
});

describe('onboarding across a restart', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gl-onboard-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'keeps no key in clear on disk; a retry after a restart gets ' + 'the same participant and a fresh key that replaces the first',
    async () => {
      const store = new FileOnboardingStore(join(dir, 'onboarding.json'));
      h = await startHarness({ onboardingStore: store });
      ledgerRegistry(h);
      const first = (await (await onboard(h.key.operator, carol, 'k-4')).json()) as Body;
      const { readFileSync } = await import('node:fs');
      const onDisk = readFileSync(join(dir, 'onboarding.json'), 'utf8');
      expect(onDisk).not.toContain(first.apiKey);
      expect(onDisk).not.toContain('"secret"');

      // A new gateway process on the same state: same CA, ledger, keys and wallet, new memory.
      await h.close();
      const restarted = await listen({ ...h.deps, onboardingStore: new FileOnboardingStore(join(dir, 'onboarding.json')) });
      try {
        const res = await fetch(`${restarted.url}/api/v1/participants`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${h.key.operator}`, 'Content-Type': 'application/json', 'Idempotency-Key': 'k-4' },
          body: JSON.stringify(carol),
        });
        expect(res.status).toBe(201);
        const again = (await res.json()) as Body;
        expect(again.participant).toEqual(first.participant);
        expect(again.txId).toBe(first.txId);
        expect(again.apiKeyReissued).toBe(true);
        expect(h.keys.lookup(again.apiKey)).toMatchObject({ state: 'active', record: { userId: 'carol' } });
        expect(h.keys.lookup(first.apiKey)?.state).toBe('revoked');
        expect(h.ca.registerCalls).toBe(1);
        expect(h.ledger.calls.filter((c) => c.kind === 'submit')).toHaveLength(1);
      } finally {
        await restarted.close();
      }
    },
  );
});
