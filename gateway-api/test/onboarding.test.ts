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

describe('onboarding', () => {
  beforeEach(async () => {
    h = await startHarness();
    h.ledger.submitHandler = (_fn, args) => ({ ...JSON.parse(args[0]), mspId: 'CommunityMSP' });
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
      { kind: 'submit', user: 'op-1', fn: 'registry:registerParticipant', args: [JSON.stringify({ participantId: 'carol', role: 'prosumer', displayName: 'Carol' })] },
    ]);
    // The key is carol's: the ledger is called as carol.
    h.ledger.evaluateHandler = () => ({ participantId: 'carol' });
    const me = await h.fetch('/api/v1/participants/carol', { key: body.apiKey });
    expect(me.status).toBe(200);
    expect(h.ledger.calls[1]).toMatchObject({ user: 'carol', fn: 'registry:getParticipant', args: ['carol'] });
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
    h.ledger.submitHandler = (_fn, args) => {
      if (down) throw new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'no peer');
      return JSON.parse(args[0]);
    };
    const failed = await onboard(h.key.operator, carol, 'k-3');
    expect(failed.status).toBe(503);
    down = false;
    const retry = await onboard(h.key.operator, carol, 'k-3');
    expect(retry.status).toBe(201);
    expect(h.ca.registerCalls).toBe(1);
    expect(h.ca.enrollCalls).toBe(1);
    const body = (await retry.json()) as Body;
    expect(h.keys.lookup(body.apiKey)).toBe('carol');
  });
});

describe('onboarding across a restart', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gl-onboard-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps no key in clear on disk; a retry after a restart gets the same participant and a fresh key that replaces the first', async () => {
    const store = new FileOnboardingStore(join(dir, 'onboarding.json'));
    h = await startHarness({ onboardingStore: store });
    h.ledger.submitHandler = (_fn, args) => JSON.parse(args[0]);
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
      expect(h.keys.lookup(again.apiKey)).toBe('carol');
      expect(h.keys.lookup(first.apiKey)).toBeUndefined();
      expect(h.ca.registerCalls).toBe(1);
      expect(h.ledger.calls.filter((c) => c.kind === 'submit')).toHaveLength(1);
    } finally {
      await restarted.close();
    }
  });
});
