/** Agent keys (routes/agent-keys.ts, docs/security.md "Agent identities") over the fake CA, wallet and key store. */
import { startHarness } from './support/fakes';

type Body = Record<string, unknown> & { error?: { code: string } };
const json = async (res: Response) => (await res.json()) as Body;

describe('agent keys', () => {
  it('the owner gets its agent a key of an identity with its gl.id, role and gl.agent; retries, listing and revocation', async () => {
    const h = await startHarness();
    try {
      const post = (key: string, participantId: string, idem?: string) =>
        h.fetch(`/api/v1/participants/${participantId}/agent-keys`, {
          method: 'POST',
          key,
          json: {},
          headers: idem === undefined ? {} : { 'Idempotency-Key': idem },
        });
      const first = await post(h.key.alice, 'alice', 'i1');
      expect(first.status).toBe(201);
      expect(first.headers.get('cache-control')).toBe('no-store');
      const issued = await json(first);
      expect(issued).toMatchObject({ userId: 'alice.agent', participantId: 'alice' });
      expect(h.ca.registered.get('alice.agent')).toMatchObject({ role: 'prosumer', participantId: 'alice', agent: true });
      expect(h.wallet.get('alice.agent')).toMatchObject({ role: 'prosumer', participantId: 'alice', agent: true, mspId: 'CommunityMSP' });
      // Stored hashed like every key; a retry under the same Idempotency-Key answers the same key, another body is refused.
      expect(h.keys.lookup(issued.apiKey as string)?.record.userId).toBe('alice.agent');
      expect((await json(await post(h.key.alice, 'alice', 'i1'))).apiKey).toBe(issued.apiKey);
      const other = await h.fetch('/api/v1/participants/alice/agent-keys', {
        method: 'POST',
        key: h.key.alice,
        json: { expiresInDays: 5 },
        headers: { 'Idempotency-Key': 'i1' },
      });
      expect((await json(other)).error?.code).toBe('REQUEST_INVALID');
      // A second key reuses the identity: one registration, one enrollment.
      const second = await json(await post(h.key.alice, 'alice'));
      expect(second.apiKey).not.toBe(issued.apiKey);
      expect([h.ca.registerCalls, h.ca.enrollCalls]).toEqual([1, 1]);

      // Only the owner's own key asks: not the agent, not another household, not the operator.
      for (const key of [issued.apiKey as string, h.key.bob, h.key.operator]) {
        const refused = await post(key, 'alice');
        expect([refused.status, (await json(refused)).error?.code]).toEqual([403, 'ACCESS_DENIED']);
      }
      const list = (key: string) => h.fetch('/api/v1/participants/alice/agent-keys', { key });
      expect(((await json(await list(h.key.alice))).keys as unknown[]).length).toBe(2);
      expect(((await json(await list(h.key.operator))).keys as unknown[]).length).toBe(2);
      expect((await list(h.key.bob)).status).toBe(403);

      const revoke = (key: string, keyId: unknown) =>
        h.fetch(`/api/v1/participants/alice/agent-keys/${String(keyId)}`, { method: 'DELETE', key });
      expect((await revoke(h.key.bob, issued.keyId)).status).toBe(403);
      const bobsOwn = h.keys.list('bob')[0].keyId;
      expect((await revoke(h.key.alice, bobsOwn)).status).toBe(404);
      expect((await revoke(h.key.alice, issued.keyId)).status).toBe(204);
      const after = await h.fetch('/api/v1/session', { key: issued.apiKey as string });
      expect([after.status, (await json(after)).error?.code]).toEqual([401, 'API_KEY_REVOKED']);
      expect((await h.fetch('/api/v1/session', { key: second.apiKey as string })).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('an agent identity registered at the CA but never enrolled is registered anew', async () => {
    const h = await startHarness();
    try {
      await h.ca.register({ id: 'bob.agent', secret: 'lost', role: 'prosumer', participantId: 'bob', agent: true });
      const res = await h.fetch('/api/v1/participants/bob/agent-keys', { method: 'POST', key: h.key.bob, json: {} });
      expect(res.status).toBe(201);
      expect(h.ca.removed).toEqual(['bob.agent']);
      expect(h.wallet.get('bob.agent')).toMatchObject({ agent: true, participantId: 'bob' });
    } finally {
      await h.close();
    }
  });
});
