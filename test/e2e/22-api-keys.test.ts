/**
 * Issue 20 item 6 on the real platform: API keys have a life. A participant lists its keys, rotates
 * one (the old key is refused at once, the new one works), revokes one, a key issued by the CLI with
 * a near expiry is refused once it passes, an operator revokes a household's key, and the gateway's
 * log names keys by their id, never by their text.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, newProsumerWithMeter, operatorKey, sleep, stateDir, uid } from './support';

const MAIN = join(__dirname, '..', '..', 'gateway-api', 'dist', 'main.js');
const cli = (...args: string[]) =>
  execFileSync(process.execPath, [MAIN, ...args, '--state', stateDir(), '--org', 'community'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

async function onboarded(): Promise<{ participantId: string; apiKey: string; keyId: string }> {
  const participantId = uid('k');
  const res = await api('community', operatorKey(), 'POST', '/participants', { participantId, role: 'consumer' });
  expect(res.status).toBe(201);
  expect(res.body.keyId).toMatch(/^kid_[0-9a-f]{16}$/);
  return { participantId, apiKey: res.body.apiKey, keyId: res.body.keyId };
}

it('lists its keys without secrets, rotates (the old key 401 API_KEY_REVOKED, the new one works) and revokes', async () => {
  const home = await onboarded();
  const list = await api('community', home.apiKey, 'GET', '/api-keys');
  expect(list.status).toBe(200);
  expect(list.body.keys).toEqual([
    expect.objectContaining({ keyId: home.keyId, userId: home.participantId, state: 'active', current: true }),
  ]);
  expect(JSON.stringify(list.body)).not.toMatch(/sha256|glk_/);
  expect(Date.parse(list.body.keys[0].expiresAt) - Date.now()).toBeGreaterThan(89 * 24 * 3600_000);

  const idem = uid('rot');
  const rotated = await api(
    'community',
    home.apiKey,
    'POST',
    `/api-keys/${home.keyId}/rotate`,
    { expiresInDays: 7 },
    { 'Idempotency-Key': idem },
  );
  expect(rotated.status).toBe(201);
  expect(rotated.body).toEqual(
    expect.objectContaining({ replaces: home.keyId, keyId: expect.stringMatching(/^kid_/), apiKey: expect.stringMatching(/^glk_/) }),
  );
  // The same rotation again (its answer lost): the same new key, not a third one.
  const again = await api(
    'community',
    home.apiKey,
    'POST',
    `/api-keys/${home.keyId}/rotate`,
    { expiresInDays: 7 },
    { 'Idempotency-Key': idem },
  );
  expect(again.status).toBe(201);
  expect(again.body.apiKey).toBe(rotated.body.apiKey);

  const old = await api('community', home.apiKey, 'GET', `/participants/${home.participantId}`);
  expect(old.status).toBe(401);
  expect(old.body.error.code).toBe('API_KEY_REVOKED');
  const fresh = await api('community', rotated.body.apiKey, 'GET', `/participants/${home.participantId}`);
  expect(fresh.status).toBe(200);

  // Revoking: 204, again 204; the key is refused after.
  expect((await api('community', rotated.body.apiKey, 'DELETE', `/api-keys/${rotated.body.keyId}`)).status).toBe(204);
  const after = await api('community', rotated.body.apiKey, 'GET', `/participants/${home.participantId}`);
  expect(after.status).toBe(401);
  expect(after.body.error.code).toBe('API_KEY_REVOKED');

  // The CLI lists both keys, revoked, with the rotation's link and no hash.
  const listed = JSON.parse(cli('list-keys', '--user', home.participantId));
  expect(listed).toEqual([
    expect.objectContaining({ keyId: home.keyId, replacedBy: rotated.body.keyId, revokedAt: expect.any(String) }),
    expect.objectContaining({ keyId: rotated.body.keyId, revokedAt: expect.any(String) }),
  ]);
  expect(JSON.stringify(listed)).not.toContain('sha256');
});

it("a household cannot see or revoke another's keys; the operator revokes a household's key", async () => {
  const alice = await onboarded();
  const bob = await onboarded();
  const peek = await api('community', alice.apiKey, 'GET', `/api-keys?userId=${bob.participantId}`);
  expect(peek.status).toBe(403);
  const steal = await api('community', alice.apiKey, 'DELETE', `/api-keys/${bob.keyId}`);
  expect(steal.status).toBe(404);
  expect(steal.body.error.code).toBe('API_KEY_NOT_FOUND');
  expect((await api('community', bob.apiKey, 'GET', `/participants/${bob.participantId}`)).status).toBe(200);

  const seen = await api('community', operatorKey(), 'GET', `/api-keys?userId=${bob.participantId}`);
  expect(seen.status).toBe(200);
  expect(seen.body.keys.map((k: { keyId: string }) => k.keyId)).toEqual([bob.keyId]);
  expect((await api('community', operatorKey(), 'DELETE', `/api-keys/${bob.keyId}`)).status).toBe(204);
  expect((await api('community', bob.apiKey, 'GET', `/participants/${bob.participantId}`)).body.error.code).toBe('API_KEY_REVOKED');
});

it('a key issued by the CLI works until its expiry, then 401 API_KEY_EXPIRED; the CLI rotates and revokes', async () => {
  const home = await onboarded();
  // Long enough for the CLI to start and the key to be used once on a loaded machine (8 s was not, at load average 17).
  const expiresAt = new Date(Date.now() + 20_000).toISOString();
  const key = cli('issue-key', '--user', home.participantId, '--expires-at', expiresAt).trim();
  expect(key).toMatch(/^glk_[A-Za-z0-9_-]{43}$/); // stdout: the key alone
  expect((await api('community', key, 'GET', `/participants/${home.participantId}`)).status).toBe(200);
  await sleep(Date.parse(expiresAt) - Date.now() + 500);
  const expired = await api('community', key, 'GET', `/participants/${home.participantId}`);
  expect(expired.status).toBe(401);
  expect(expired.body.error.code).toBe('API_KEY_EXPIRED');
  const unknown = await api('community', `glk_${'A'.repeat(43)}`, 'GET', `/participants/${home.participantId}`);
  expect(unknown.body.error.code).toBe('UNAUTHENTICATED');
  // An expiry in the past is refused, and so is one beyond 365 days.
  expect(() => cli('issue-key', '--user', home.participantId, '--expires-at', '2020-01-01T00:00:00Z')).toThrow();
  expect(() => cli('issue-key', '--user', home.participantId, '--expires-in', '366')).toThrow();

  const rotated = cli('rotate-key', '--key-id', home.keyId, '--expires-in', '30').trim();
  expect(rotated).toMatch(/^glk_/);
  expect((await api('community', home.apiKey, 'GET', `/participants/${home.participantId}`)).body.error.code).toBe('API_KEY_REVOKED');
  const mine = await api('community', rotated, 'GET', '/api-keys');
  const current = mine.body.keys.find((k: { current?: boolean }) => k.current);
  expect(Date.parse(current.expiresAt) - Date.now()).toBeGreaterThan(29 * 24 * 3600_000);
  expect(JSON.parse(cli('revoke-key', '--key-id', current.keyId)).keyId).toBe(current.keyId);
  expect((await api('community', rotated, 'GET', '/api-keys')).body.error.code).toBe('API_KEY_REVOKED');
});

it("the gateway's log names the key by its id, never by its text", async () => {
  const home = await newProsumerWithMeter();
  const list = await api('community', home.apiKey, 'GET', '/api-keys');
  const keyId = list.body.keys[0].keyId as string;
  const path = `/participants/${home.participantId}/meters`;
  expect((await api('community', home.apiKey, 'GET', path)).status).toBe(200);
  const log = join(stateDir(), 'logs', 'gateway.community.log');
  const line = await (async () => {
    for (let i = 0; i < 20; i++) {
      const found = readFileSync(log, 'utf8')
        .split('\n')
        .find((l) => l.includes(`"path":"/api/v1${path}"`));
      if (found) return found;
      await sleep(250);
    }
    return undefined;
  })();
  expect(line).toBeDefined();
  expect(JSON.parse(line!)).toEqual(expect.objectContaining({ msg: 'request', keyId, user: home.participantId, status: 200 }));
  expect(readFileSync(log, 'utf8')).not.toContain(home.apiKey.slice(4));
});
