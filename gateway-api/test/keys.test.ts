import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes } from '@gridledger/core/core';
import { apiKeysPath, FileApiKeyStore, hashKey, keyIdOf, listen, MemoryApiKeyStore } from '../src';
import { expiryIn } from '../src/keys';
import { startHarness } from './support/fakes';

const MAIN = join(__dirname, '..', 'dist', 'main.js');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gl-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A network.json whose community wallet holds one user, admin. */
const profileFor = (stateDir: string) => {
  const user = { id: 'admin', mspId: 'CommunityMSP', certPath: '/x/cert.pem', keyPath: '/x/key.pem' };
  const org = (name: string) => ({ name, mspId: `${name}MSP`, users: name === 'community' ? { admin: user } : {} });
  writeFileSync(
    join(stateDir, 'network.json'),
    JSON.stringify({
      channel: 'energy',
      chaincode: 'gridledger',
      orgs: { utility: org('utility'), community: org('community'), regulator: org('regulator') },
    }),
  );
};

describe('FileApiKeyStore', () => {
  it('stores only the SHA-256 of a key, in a file of mode 0600', () => {
    const path = apiKeysPath(dir, 'community');
    const store = new FileApiKeyStore(path);
    const { apiKey: key, record } = store.issue('alice');
    expect(record.keyId).toBe(keyIdOf(hashKey(key)));
    expect(key).toMatch(/^glk_[A-Za-z0-9_-]{43}$/);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(4));
    expect(JSON.parse(text)).toEqual({
      version: 2,
      keys: [expect.objectContaining({ keyId: record.keyId, sha256: hashKey(key), userId: 'alice', expiresAt: record.expiresAt })],
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'gateway', 'community'))).toEqual(['api-keys.json']); // no temporary or lock file left
    expect(store.lookup(key)).toEqual({ state: 'active', record });
    // The key with its last character changed (to one it is not: a random key ends in 'A' one time in 64).
    expect(store.lookup(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(store.lookup('')).toBeUndefined();
  });

  it('sees keys another process issued or revoked after it started', () => {
    const path = apiKeysPath(dir, 'utility');
    const gateway = new FileApiKeyStore(path);
    expect(gateway.lookup('glk_x')).toBeUndefined();
    const cli = new FileApiKeyStore(path);
    const first = cli.issue('u1');
    const second = cli.issue('u2').apiKey;
    expect(gateway.lookup(first.apiKey)?.record.userId).toBe('u1');
    expect(gateway.lookup(second)?.record.userId).toBe('u2');
    expect(new FileApiKeyStore(path).lookup(first.apiKey)?.state).toBe('active');
    gateway.revoke(first.record.keyId);
    expect(cli.lookup(second)?.state).toBe('active');
    expect(new FileApiKeyStore(path).lookup(first.apiKey)?.state).toBe('revoked');
    // The other way round: what the gateway knows already, revoked by the CLI.
    expect(gateway.lookup(second)?.state).toBe('active');
    cli.revoke(keyIdOf(hashKey(second)));
    expect(gateway.lookup(second)?.state).toBe('revoked');
  });
});

describe('issue-key command', () => {
  it('prints a key for an enrolled user that a running gateway accepts at once', async () => {
    expect(existsSync(MAIN)).toBe(true); // built by `npx tsc -b gateway-api` (npm test builds first)
    mkdirSync(dir, { recursive: true });
    profileFor(dir);
    const keys = new FileApiKeyStore(apiKeysPath(dir, 'community'));
    const h = await startHarness({ keys });
    try {
      const key = execFileSync(process.execPath, [MAIN, 'issue-key', '--state', dir, '--org', 'community', '--user', 'admin'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
      expect(key).toMatch(/^glk_[A-Za-z0-9_-]{43}$/); // stdout: the key alone
      expect(statSync(apiKeysPath(dir, 'community')).mode & 0o777).toBe(0o600);
      const res = await h.fetch('/api/v1/meters/m-1', { key });
      expect(res.status).toBe(200);
      expect(h.ledger.calls[0].user).toBe('admin');
    } finally {
      await h.close();
    }
    // It starts a node process, which alone can take seconds on a loaded machine.
  }, 30_000);

  it('refuses a user the wallet does not hold, and an unknown organization', () => {
    profileFor(dir);
    const unknownUser = spawnSync(process.execPath, [MAIN, 'issue-key', '--state', dir, '--org', 'community', '--user', 'mallory'], {
      encoding: 'utf8',
    });
    expect(unknownUser.status).not.toBe(0);
    expect(unknownUser.stdout).toBe('');
    expect(unknownUser.stderr).toContain('not an enrolled user');
    const unknownOrg = spawnSync(process.execPath, [MAIN, 'issue-key', '--state', dir, '--org', 'acme', '--user', 'admin'], {
      encoding: 'utf8',
    });
    expect(unknownOrg.status).not.toBe(0);
    expect(existsSync(apiKeysPath(dir, 'community'))).toBe(false);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a key's life in the store", () => {
  it('expires at its expiry; revoking is kept and repeatable; rotation revokes the old key and links the new one', async () => {
    const store = new FileApiKeyStore(apiKeysPath(dir, 'community'));
    const short = store.issue('alice', new Date(Date.now() + 150));
    expect(store.lookup(short.apiKey)?.state).toBe('active');
    await sleep(200);
    expect(store.lookup(short.apiKey)?.state).toBe('expired');

    const long = store.issue('alice');
    expect(Date.parse(long.record.expiresAt) - Date.parse(long.record.createdAt)).toBe(90 * 24 * 3600_000);
    const rotated = store.rotate(long.record.keyId, expiryIn(7))!;
    expect(rotated.record.userId).toBe('alice');
    expect(store.lookup(long.apiKey)).toMatchObject({ state: 'revoked', record: { replacedBy: rotated.record.keyId } });
    expect(store.lookup(rotated.apiKey)?.state).toBe('active');

    const revoked = store.revoke(rotated.record.keyId)!;
    expect(revoked.revokedAt).toEqual(expect.any(String));
    expect(store.revoke(rotated.record.keyId)).toEqual(revoked); // again: as it was
    expect(store.revoke('kid_0000000000000000')).toBeUndefined();
    expect(store.list('alice').map((k) => k.keyId)).toEqual([short.record.keyId, long.record.keyId, rotated.record.keyId]);
    expect(store.list('bob')).toEqual([]);
  });

  it('a rotation rotated again (a retry) revokes the key the first one gave', () => {
    const store = new MemoryApiKeyStore();
    const first = store.issue('alice');
    const lost = store.rotate(first.record.keyId, undefined, 'h')!;
    expect(store.get(first.record.keyId)?.rotationKeySha256).toBe('h');
    const again = store.rotate(first.record.keyId, undefined, 'h')!;
    expect(store.lookup(lost.apiKey)?.state).toBe('revoked');
    expect(store.lookup(again.apiKey)?.state).toBe('active');
    expect(store.get(first.record.keyId)?.replacedBy).toBe(again.record.keyId);
  });

  it(
    'reads a version 1 file: ids from the hashes, an expiry 90 days on, rewritten as version 2; keys ended over 30 days ago are ' +
      'dropped',
    () => {
      const path = apiKeysPath(dir, 'utility');
      const key = 'glk_' + 'x'.repeat(43);
      const gone = 'glk_' + 'y'.repeat(43);
      mkdirSync(join(dir, 'gateway', 'utility'), { recursive: true });
      writeFileSync(
        path,
        JSON.stringify({ version: 1, keys: [{ sha256: hashKey(key), userId: 'utility', createdAt: '2024-01-01T00:00:00.000Z' }] }),
        { mode: 0o600 },
      );
      const store = new FileApiKeyStore(path);
      const found = store.lookup(key)!;
      expect(found.state).toBe('active');
      expect(found.record.keyId).toBe(keyIdOf(hashKey(key)));
      expect(Date.parse(found.record.expiresAt) - Date.now()).toBeGreaterThan(89 * 24 * 3600_000);
      const file = JSON.parse(readFileSync(path, 'utf8'));
      expect(file).toEqual({
        version: 2,
        keys: [expect.objectContaining({ keyId: found.record.keyId, expiresAt: found.record.expiresAt })],
      });

      // A record revoked 31 days ago goes with the next write; one revoked yesterday stays.
      const day = 24 * 3600_000;
      const at = (ms: number) => new Date(Date.now() - ms).toISOString();
      file.keys.push({
        keyId: keyIdOf(hashKey(gone)),
        sha256: hashKey(gone),
        userId: 'x',
        createdAt: at(40 * day),
        expiresAt: at(-day),
        revokedAt: at(31 * day),
      });
      file.keys[0].revokedAt = at(day);
      writeFileSync(path, JSON.stringify(file));
      expect(new FileApiKeyStore(path).lookup(gone)?.state).toBe('revoked');
      store.issue('utility');
      expect(new FileApiKeyStore(path).lookup(gone)).toBeUndefined();
      expect(new FileApiKeyStore(path).lookup(key)?.state).toBe('revoked');
    },
  );

  it('loses no key when several processes issue at once (the file lock)', async () => {
    mkdirSync(dir, { recursive: true });
    profileFor(dir);
    const run = () =>
      new Promise<string>((resolve, reject) => {
        execFile(process.execPath, [MAIN, 'issue-key', '--state', dir, '--org', 'community', '--user', 'admin'], (e, stdout) =>
          e ? reject(e) : resolve(stdout.trim()),
        );
      });
    const issued = await Promise.all([run(), run(), run(), run()]);
    const store = new FileApiKeyStore(apiKeysPath(dir, 'community'));
    expect(new Set(issued).size).toBe(4);
    for (const key of issued) expect(store.lookup(key)?.state).toBe('active');
    expect(store.list('admin')).toHaveLength(4);
  }, 60_000);
});

describe('rotate-key, revoke-key and list-keys commands', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [MAIN, ...args, '--state', dir, '--org', 'community'], { encoding: 'utf8' });

  it('issue with --expires-in, rotate (stdout: the key alone), revoke, list without hashes', () => {
    profileFor(dir);
    const issued = run('issue-key', '--user', 'admin', '--expires-in', '2');
    expect(issued.status).toBe(0);
    const { keyId, expiresAt } = JSON.parse(issued.stderr);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(47 * 3600_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(48 * 3600_000);

    const rotated = run('rotate-key', '--key-id', keyId);
    expect(rotated.status).toBe(0);
    const newKey = rotated.stdout.trim();
    expect(newKey).toMatch(/^glk_[A-Za-z0-9_-]{43}$/);
    const store = new FileApiKeyStore(apiKeysPath(dir, 'community'));
    expect(store.lookup(issued.stdout.trim())?.state).toBe('revoked');
    expect(store.lookup(newKey)?.state).toBe('active');
    // A revoked key is not rotated again.
    expect(run('rotate-key', '--key-id', keyId).status).not.toBe(0);

    const newId = JSON.parse(rotated.stderr).keyId;
    const revoked = run('revoke-key', '--key-id', newId);
    expect(revoked.status).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ keyId: newId, userId: 'admin' });
    expect(run('revoke-key', '--key-id', newId).status).toBe(0);
    expect(run('revoke-key', '--key-id', 'kid_0000000000000000').status).not.toBe(0);

    const listed = run('list-keys', '--user', 'admin');
    expect(JSON.parse(listed.stdout).map((k: { keyId: string }) => k.keyId)).toEqual([keyId, newId]);
    expect(listed.stdout).not.toContain('sha256');
  }, 60_000);

  it('refuses an expiry out of bounds or in the past, and leaves no key', () => {
    profileFor(dir);
    for (const args of [
      ['--expires-in', '0'],
      ['--expires-in', '366'],
      ['--expires-in', '1.5'],
      ['--expires-at', '2020-01-01T00:00:00Z'],
      ['--expires-at', 'tomorrow'],
    ]) {
      const res = run('issue-key', '--user', 'admin', ...args);
      expect({ args, status: res.status, stdout: res.stdout }).toEqual({ args, status: 1, stdout: '' });
    }
    expect(existsSync(apiKeysPath(dir, 'community'))).toBe(false);
  }, 60_000);
});

describe('the API key routes', () => {
  /** An answer of the API key routes, as far as these tests read it: a key, a list of keys, or an error. */
  interface KeyAnswer {
    keyId: string;
    apiKey: string;
    expiresAt: string;
    current?: boolean;
    keys: KeyAnswer[];
    error: { code: string };
  }
  const json = async (res: Response) => (await res.json()) as KeyAnswer;

  it("lists the caller's own keys, marks the one presented, never shows a hash", async () => {
    const h = await startHarness();
    try {
      const second = h.keys.issue('alice').apiKey;
      const res = await h.fetch('/api/v1/api-keys', { key: second });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = await json(res);
      expect(body.keys).toHaveLength(2);
      expect(body.keys.filter((k) => k.current).map((k) => k.keyId)).toEqual([keyIdOf(hashKey(second))]);
      expect(JSON.stringify(body)).not.toMatch(/sha256|glk_/);
      expect((await h.fetch('/api/v1/api-keys?userId=bob', { key: h.key.alice })).status).toBe(403);
      expect((await h.fetch('/api/v1/api-keys?userId=op-1', { key: h.key.bridge })).status).toBe(403);
      const byOperator = await json(await h.fetch('/api/v1/api-keys?userId=alice', { key: h.key.operator }));
      expect(byOperator.keys).toHaveLength(2);
    } finally {
      await h.close();
    }
  });

  it(
    'rotates: 201 no-store, the old key 401 API_KEY_REVOKED, the new ' + 'one works; a retry with the Idempotency-Key gets the same key',
    async () => {
      const h = await startHarness();
      try {
        const oldId = keyIdOf(hashKey(h.key.alice));
        const rotate = (key: string, idem?: string, body: unknown = { expiresInDays: 10 }) =>
          h.fetch(`/api/v1/api-keys/${oldId}/rotate`, {
            method: 'POST',
            key,
            json: body,
            headers: idem ? { 'Idempotency-Key': idem } : {},
          });
        const res = await rotate(h.key.alice, 'r-1');
        expect(res.status).toBe(201);
        expect(res.headers.get('cache-control')).toBe('no-store');
        const body = await json(res);
        expect(body).toEqual({
          apiKey: expect.stringMatching(/^glk_/),
          keyId: keyIdOf(hashKey(body.apiKey)),
          expiresAt: expect.any(String),
          replaces: oldId,
        });
        expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(9.9 * 24 * 3600_000);

        const again = await rotate(h.key.alice, 'r-1');
        expect(again.status).toBe(201);
        expect((await json(again)).apiKey).toBe(body.apiKey);
        const otherBody = await rotate(h.key.alice, 'r-1', { expiresInDays: 11 });
        expect((await json(otherBody)).error.code).toBe(ErrorCodes.REQUEST_INVALID);
        // Without the Idempotency-Key, or with another, the rotated key opens nothing.
        for (const idem of [undefined, 'r-2']) {
          const refused = await rotate(h.key.alice, idem);
          expect(refused.status).toBe(401);
          expect((await json(refused)).error.code).toBe(ErrorCodes.API_KEY_REVOKED);
        }
        const old = await h.fetch('/api/v1/meters/m-1', { key: h.key.alice });
        expect(old.status).toBe(401);
        expect((await json(old)).error).toMatchObject({ code: ErrorCodes.API_KEY_REVOKED, details: { keyId: oldId } });
        expect((await h.fetch('/api/v1/meters/m-1', { key: body.apiKey })).status).toBe(200);

        // After a restart (nothing in memory), the retry gets another new key and the lost one is revoked.
        const restarted = await listen(h.deps);
        try {
          const res2 = await fetch(`${restarted.url}/api/v1/api-keys/${oldId}/rotate`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${h.key.alice}`, 'Idempotency-Key': 'r-1', 'Content-Type': 'application/json' },
            body: JSON.stringify({ expiresInDays: 10 }),
          });
          expect(res2.status).toBe(201);
          const reissued = await json(res2);
          expect(reissued).toMatchObject({ apiKeyReissued: true, replaces: oldId });
          expect(h.keys.lookup(body.apiKey)?.state).toBe('revoked');
          expect(h.keys.lookup(reissued.apiKey)?.state).toBe('active');
        } finally {
          await restarted.close();
        }
      } finally {
        await h.close();
      }
    },
  );

  it("rotation is for a key's own identity; expiresInDays is bounded", async () => {
    const h = await startHarness();
    try {
      const aliceKeyId = keyIdOf(hashKey(h.key.alice));
      const byOperator = await h.fetch(`/api/v1/api-keys/${aliceKeyId}/rotate`, { method: 'POST', key: h.key.operator });
      expect(byOperator.status).toBe(403);
      const byBob = await h.fetch(`/api/v1/api-keys/${aliceKeyId}/rotate`, { method: 'POST', key: h.key.bob });
      expect(byBob.status).toBe(404);
      expect((await json(byBob)).error.code).toBe(ErrorCodes.API_KEY_NOT_FOUND);
      for (const days of [0, 366, 1.5]) {
        const res = await h.fetch(`/api/v1/api-keys/${aliceKeyId}/rotate`, {
          method: 'POST',
          key: h.key.alice,
          json: { expiresInDays: days },
        });
        expect({ days, status: res.status }).toEqual({ days, status: 400 });
      }
      expect(h.keys.lookup(h.key.alice)?.state).toBe('active');
    } finally {
      await h.close();
    }
  });

  it('revokes: own keys, and an operator those of households and bridges; 204 again; others 404 API_KEY_NOT_FOUND', async () => {
    const h = await startHarness();
    try {
      const revoke = (key: string, owner: string) => h.fetch(`/api/v1/api-keys/${keyIdOf(hashKey(owner))}`, { method: 'DELETE', key });
      const steal = await revoke(h.key.alice, h.key.bob);
      expect(steal.status).toBe(404);
      expect((await json(steal)).error.code).toBe(ErrorCodes.API_KEY_NOT_FOUND);
      expect((await revoke(h.key.bridge, h.key.operator)).status).toBe(404);
      expect((await revoke(h.key.operator, h.key.admin)).status).toBe(404); // not a household or bridge
      expect((await h.fetch('/api/v1/api-keys/kid_0000000000000000', { method: 'DELETE', key: h.key.alice })).status).toBe(404);

      expect((await revoke(h.key.operator, h.key.bob)).status).toBe(204);
      expect((await revoke(h.key.operator, h.key.bob)).status).toBe(204);
      expect((await revoke(h.key.operator, h.key.bridge)).status).toBe(204);
      const second = h.keys.issue('alice').apiKey;
      expect((await revoke(second, h.key.alice)).status).toBe(204);
      for (const key of [h.key.alice, h.key.bob, h.key.bridge]) {
        const res = await h.fetch('/api/v1/meters/m-1', { key });
        expect((await json(res)).error.code).toBe(ErrorCodes.API_KEY_REVOKED);
      }
      expect(h.log.lines.filter((l) => l.msg === 'api key revoked')).toHaveLength(3);
    } finally {
      await h.close();
    }
  });

  it(
    'an expired key: 401 API_KEY_EXPIRED; an unknown one 401 ' + 'UNAUTHENTICATED; every request line names the key id, never the key',
    async () => {
      const h = await startHarness();
      try {
        const { apiKey, record } = h.keys.issue('alice', new Date(Date.now() + 150));
        expect((await h.fetch('/api/v1/meters/m-1', { key: apiKey })).status).toBe(200);
        await sleep(200);
        const expired = await h.fetch('/api/v1/meters/m-1', { key: apiKey });
        expect(expired.status).toBe(401);
        expect((await json(expired)).error).toMatchObject({ code: ErrorCodes.API_KEY_EXPIRED, details: { keyId: record.keyId } });
        const unknown = await h.fetch('/api/v1/meters/m-1', { key: `glk_${'A'.repeat(43)}` });
        expect((await json(unknown)).error.code).toBe(ErrorCodes.UNAUTHENTICATED);
        await sleep(50); // the log line is written when the response closes
        const lines = h.log.lines.filter((l) => l.msg === 'request');
        expect(lines.map((l) => [l.status, l.keyId, l.code])).toEqual([
          [200, record.keyId, undefined],
          [401, record.keyId, ErrorCodes.API_KEY_EXPIRED],
          [401, undefined, ErrorCodes.UNAUTHENTICATED],
        ]);
        expect(JSON.stringify(h.log.lines)).not.toContain(apiKey.slice(4));
      } finally {
        await h.close();
      }
    },
  );
});
