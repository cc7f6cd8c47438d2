import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness } from './support/fakes';

/** A built portal: a page and a hashed asset. */
function builtPortal(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gl-portal-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>GridLedger</title>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  return dir;
}

describe('the portal served by the gateway', () => {
  it('serves the page (revalidated) and its hashed assets (cached) under a strict policy; / leads there', async () => {
    const h = await startHarness({ portalDir: builtPortal() });
    try {
      const page = await h.fetch('/portal/');
      expect(page.status).toBe(200);
      await expect(page.text()).resolves.toContain('<title>GridLedger</title>');
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self';.*connect-src 'self'/);
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      const asset = await h.fetch('/portal/assets/index-abc123.js');
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const root = await h.fetch('/', { redirect: 'manual' });
      expect(root.status).toBe(302);
      expect(root.headers.get('location')).toBe('/portal/');
      // A file the build does not have is the API's 404, not the page.
      const missing = await h.fetch('/portal/nothing.js');
      expect(missing.status).toBe(404);
      await expect(missing.json()).resolves.toEqual(
        expect.objectContaining({ error: expect.objectContaining({ code: 'ROUTE_NOT_FOUND' }) }),
      );
    } finally {
      await h.close();
    }
  });

  it('says how to build the portal while it is not built', async () => {
    const h = await startHarness({ portalDir: mkdtempSync(join(tmpdir(), 'gl-portal-empty-')) });
    try {
      const res = await h.fetch('/portal/');
      expect(res.status).toBe(404);
      await expect(res.text()).resolves.toBe('the portal is not built: npm run build -w portal\n');
    } finally {
      await h.close();
    }
  });
});

describe('GET /session', () => {
  it('names the identity, role and participant of the presented key, and the key by id only', async () => {
    const h = await startHarness();
    try {
      const res = await h.fetch('/api/v1/session', { key: h.key.alice });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const text = await res.text();
      expect(text).not.toContain(h.key.alice);
      expect(JSON.parse(text)).toEqual({
        userId: 'alice',
        role: 'prosumer',
        participantId: 'alice',
        org: 'community',
        mspId: 'CommunityMSP',
        keyId: expect.stringMatching(/^kid_[0-9a-f]{16}$/),
        expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      const operator = await (await h.fetch('/api/v1/session', { key: h.key.operator })).json();
      expect(operator).toEqual(expect.objectContaining({ userId: 'op-1', role: 'operator' }));
      const anonymous = await h.fetch('/api/v1/session');
      expect(anonymous.status).toBe(401);
      await expect(anonymous.json()).resolves.toEqual(
        expect.objectContaining({ error: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
      );
    } finally {
      await h.close();
    }
  });
});
