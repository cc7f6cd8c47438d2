import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiKeysPath, FileApiKeyStore, hashKey } from '../src';
import { startHarness } from './support/fakes';

const MAIN = join(__dirname, '..', 'dist', 'main.js');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gl-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('FileApiKeyStore', () => {
  it('stores only the SHA-256 of a key, in a file of mode 0600', () => {
    const path = apiKeysPath(dir, 'community');
    const store = new FileApiKeyStore(path);
    const key = store.issue('alice');
    expect(key).toMatch(/^glk_[A-Za-z0-9_-]{43}$/);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(4));
    expect(JSON.parse(text).keys).toEqual([expect.objectContaining({ sha256: hashKey(key), userId: 'alice' })]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'gateway', 'community'))).toEqual(['api-keys.json']); // no temporary or lock file left
    expect(store.lookup(key)).toBe('alice');
    // The key with its last character changed (to one it is not: a random key ends in 'A' one time in 64).
    expect(store.lookup(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(store.lookup('')).toBeUndefined();
  });

  it('sees keys another process issued after it started, and revocations', () => {
    const path = apiKeysPath(dir, 'utility');
    const gateway = new FileApiKeyStore(path);
    expect(gateway.lookup('glk_x')).toBeUndefined();
    const cli = new FileApiKeyStore(path);
    const first = cli.issue('u1');
    const second = cli.issue('u2');
    expect(gateway.lookup(first)).toBe('u1');
    expect(gateway.lookup(second)).toBe('u2');
    expect(new FileApiKeyStore(path).lookup(first)).toBe('u1');
    gateway.revoke(hashKey(first));
    expect(cli.lookup(second)).toBe('u2');
    expect(new FileApiKeyStore(path).lookup(first)).toBeUndefined();
  });
});

describe('issue-key command', () => {
  const profile = (stateDir: string) => {
    const user = { id: 'admin', mspId: 'CommunityMSP', certPath: '/x/cert.pem', keyPath: '/x/key.pem' };
    const org = (name: string) => ({ name, mspId: `${name}MSP`, users: name === 'community' ? { admin: user } : {} });
    writeFileSync(
      join(stateDir, 'network.json'),
      JSON.stringify({ channel: 'energy', chaincode: 'gridledger', orgs: { utility: org('utility'), community: org('community'), regulator: org('regulator') } }),
    );
  };

  it('prints a key for an enrolled user that a running gateway accepts at once', async () => {
    expect(existsSync(MAIN)).toBe(true); // built by `npx tsc -b gateway-api` (npm test builds first)
    mkdirSync(dir, { recursive: true });
    profile(dir);
    const keys = new FileApiKeyStore(apiKeysPath(dir, 'community'));
    const h = await startHarness({ keys });
    try {
      const key = execFileSync(process.execPath, [MAIN, 'issue-key', '--state', dir, '--org', 'community', '--user', 'admin'], {
        encoding: 'utf8',
      }).trim();
      expect(key).toMatch(/^glk_/);
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
    profile(dir);
    const unknownUser = spawnSync(process.execPath, [MAIN, 'issue-key', '--state', dir, '--org', 'community', '--user', 'mallory'], { encoding: 'utf8' });
    expect(unknownUser.status).not.toBe(0);
    expect(unknownUser.stdout).toBe('');
    expect(unknownUser.stderr).toContain('not an enrolled user');
    const unknownOrg = spawnSync(process.execPath, [MAIN, 'issue-key', '--state', dir, '--org', 'acme', '--user', 'admin'], { encoding: 'utf8' });
    expect(unknownOrg.status).not.toBe(0);
    expect(existsSync(apiKeysPath(dir, 'community'))).toBe(false);
  });
});
