/**
 * Access is checked twice: by the gateway from the API key, and by the chaincode from the caller's
 * Fabric identity (MSP and gl.* certificate attributes), also when the gateway is bypassed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { ledgerClient } from '@gridledger/network';
import { api, chaincodeCodeOf, enrolledUser, newProsumerWithMeter, profile } from './support';

const publicKeyPem = () =>
  generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

it('no API key, or a wrong one: 401 UNAUTHENTICATED', async () => {
  const none = await api('community', undefined, 'GET', '/meters/whatever');
  expect(none.status).toBe(401);
  expect(none.body.error.code).toBe('UNAUTHENTICATED');
  const wrong = await api('community', 'not-a-key', 'GET', '/meters/whatever');
  expect(wrong.status).toBe(401);
});

it(
  'a prosumer cannot register a meter for someone else: 403 at the gateway, and refused by the chaincode called directly with its ' +
    'identity',
  async () => {
    const alice = await newProsumerWithMeter();
    const bob = await newProsumerWithMeter();
    const meter = {
      meterId: `${bob.participantId}.extra`,
      participantId: bob.participantId,
      kind: 'bidirectional',
      publicKeyPem: publicKeyPem(),
      exportCapacityW: 1000,
      communityId: profile().mqtt.communityId,
    };

    const res = await api('community', alice.apiKey, 'POST', '/meters', meter);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ACCESS_DENIED');

    // Alice's own Fabric identity, straight to the peer's Gateway service, past the REST gateway.
    const client = ledgerClient(profile(), 'community', enrolledUser('community', alice.participantId));
    try {
      const error = await client.submit('registry:registerMeter', JSON.stringify(meter)).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error).toBeDefined();
      expect(chaincodeCodeOf(error)).toBe('ACCESS_DENIED');
    } finally {
      client.close();
    }
    const check = await api('community', bob.apiKey, 'GET', `/meters/${encodeURIComponent(meter.meterId)}`);
    expect(check.status).toBe(404);
  },
);

it('requests that do not match the OpenAPI description are refused before the ledger with 400 REQUEST_INVALID', async () => {
  const alice = await newProsumerWithMeter();
  const res = await api('community', alice.apiKey, 'POST', '/meters', { meterId: 'x', kind: 'sideways' });
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('REQUEST_INVALID');
});

it('health reports the organization, channel, chaincode, block height and Fabric version', async () => {
  const res = await api('utility', undefined, 'GET', '/health');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ mspId: 'UtilityMSP', channel: 'energy', chaincode: 'gridledger' });
  expect(JSON.stringify(res.body)).toContain('3.1.1');
  const spec = await api('utility', undefined, 'GET', '/openapi.json');
  expect(spec.status).toBe(200);
  expect(spec.body.openapi).toMatch(/^3\./);
});
