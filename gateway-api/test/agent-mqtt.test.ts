/** A trading agent's broker credential and the owner's credentials it is refused (routes/mqtt.ts). */
import type { Principal } from '@gridledger/network';
import type { BrokerPort, IssuedMqttCredential } from '../src/broker';
import { startHarness, user } from './support/fakes';

type Body = Record<string, unknown> & { error?: { code: string; details?: Record<string, unknown> } };

function fakeBroker(): BrokerPort & { granted: Principal[] } {
  const granted: Principal[] = [];
  return {
    granted,
    grant: async (p) => {
      granted.push(p);
      return { url: 'mqtts://127.0.0.1:1', caCertPem: 'PEM', username: 'u', password: 'p', clientId: 'u' } as IssuedMqttCredential;
    },
    extend: async () => true,
    remove: async () => undefined,
    close: async () => undefined,
  };
}

it("an agent's key gets the agent's credential for its household's meters, and is refused the household's and a meter's", async () => {
  const broker = fakeBroker();
  const h = await startHarness({ broker });
  try {
    h.wallet.put({ ...user('alice.agent', 'prosumer', 'alice'), agent: true });
    const agentKey = h.keys.issue('alice.agent').apiKey;
    const meter = { meterId: 'alice.main', participantId: 'alice', communityId: 'c-1' };
    h.ledger.evaluateHandler = (fn) =>
      fn.endsWith('getParticipant') ? { participantId: 'alice', communityId: 'c-1' } : fn.endsWith('listMeters') ? [meter] : meter;
    const post = async (key: string, path: string) => {
      const res = await h.fetch(`/api/v1${path}`, { method: 'POST', key });
      return { status: res.status, body: (await res.json()) as Body };
    };

    for (const key of [agentKey, h.key.alice]) expect((await post(key, '/participants/alice/agent-mqtt-credential')).status).toBe(201);
    const agent = { kind: 'agent', communityId: 'c-1', participantId: 'alice', meterIds: ['alice.main'] };
    expect(broker.granted).toEqual([agent, agent]);
    // Another household, the operator: refused before the broker is asked.
    for (const key of [h.key.bob, h.key.operator])
      expect((await post(key, '/participants/alice/agent-mqtt-credential')).body.error?.code).toBe('ACCESS_DENIED');

    for (const path of ['/participants/alice/mqtt-credential', '/meters/alice.main/mqtt-credential']) {
      const refused = await post(agentKey, path);
      expect([refused.status, refused.body.error?.code, refused.body.error?.details]).toEqual([
        403,
        'OWNER_KEY_REQUIRED',
        { participantId: 'alice' },
      ]);
    }
    expect(broker.granted).toHaveLength(2);
    expect((await post(h.key.alice, '/participants/alice/mqtt-credential')).status).toBe(201);
    expect(broker.granted[2]).toEqual({ ...agent, kind: 'household' });
  } finally {
    await h.close();
  }
});
