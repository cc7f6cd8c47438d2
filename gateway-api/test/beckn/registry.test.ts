import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { ErrorCodes } from '@gridledger/core/core';
import { CachedRegistry, FileRegistry, HttpRegistry, localRegistryRoutes, Registry, registeredKey, toWire } from '../../src';
import { participantKeys, record, serve, writeRegistry } from './support';

const bap = participantKeys('bap.example.net', 'bap-key-1');
const bpp = participantKeys('bpp.example.net', '3f0c2d1e-6b7a-4c8d-9e0f-112233445566');
let dir: string;
let file: string;
let registryServer: Awaited<ReturnType<typeof serve>>;
let base: string;
const RECORDS = [record(bap, 'BAP', 'http://127.0.0.1:1/bap'), record(bpp, 'BPP', 'http://127.0.0.1:2/bpp', { domain: 'deg:storage' })];
const records = () => RECORDS;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gl-beckn-registry-'));
  file = join(dir, 'registry.json');
  writeRegistry(file, records(), toWire);
  const app = express();
  app.use('/registry', localRegistryRoutes(new FileRegistry(file)));
  registryServer = await serve(app);
  base = `http://127.0.0.1:${registryServer.port}/registry`;
});
afterAll(async () => {
  await registryServer.close();
  rmSync(dir, { recursive: true, force: true });
});

const codeOfAsync = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: { code?: string }) => e.code,
  );

describe('registry lookup', () => {
  it.each([
    ['the local file', () => new FileRegistry(file)],
    ['the Beckn form (POST /lookup)', () => new HttpRegistry({ url: base, form: 'beckn' })],
    [
      'the DeDi form (GET /lookup/{subscriber_id}/{registry}/{key_id})',
      () => new HttpRegistry({ url: base, form: 'dedi', registryName: 'gl' }),
    ],
  ] as [string, () => Registry][])('finds subscribers in %s, and only under their key id', async (_, make) => {
    const registry = make();
    const found = await registry.lookup(bpp.signer.subscriberId, bpp.signer.uniqueKeyId);
    expect(found).toEqual(records()[1]);
    expect(await registry.lookup(bpp.signer.subscriberId, 'other-key')).toBeUndefined();
    expect(await registry.lookup('nobody.example.net', bpp.signer.uniqueKeyId)).toBeUndefined();
    const key = registeredKey(found!);
    expect(key.publicKey.equals(bpp.publicKey)).toBe(true);
    expect(key.validUntil - key.validFrom).toBe(2 * 86_400);
  });

  it('gives no usable window to a record that is not SUBSCRIBED, and refuses small-order keys', () => {
    const key = registeredKey(record(bap, 'BAP', 'http://x.example', { status: 'UNSUBSCRIBED' }));
    expect(key.validUntil).toBeLessThan(key.validFrom);
    const identity = Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]).toString('base64');
    expect(() => registeredKey(record(bap, 'BAP', 'http://x.example', { signingPublicKey: identity }))).toThrow(
      expect.objectContaining({ code: ErrorCodes.BECKN_KEY_INVALID }),
    );
  });

  it('says BECKN_REGISTRY_UNAVAILABLE when the registry is down or answers out of form', async () => {
    const down = new HttpRegistry({ url: 'http://127.0.0.1:1/registry', form: 'beckn', timeoutMs: 500 });
    expect(await codeOfAsync(down.lookup('a.example', 'k'))).toBe(ErrorCodes.BECKN_REGISTRY_UNAVAILABLE);
    const app = express();
    app.post('/lookup', (_req, res) => void res.json([{ subscriber_id: 'bap.example.net', key_id: 'bap-key-1' }]));
    app.get('/lookup/:a/:b/:c', (_req, res) => void res.json({ data: {} }));
    const odd = await serve(app);
    try {
      const url = `http://127.0.0.1:${odd.port}`;
      expect(await codeOfAsync(new HttpRegistry({ url, form: 'beckn' }).lookup('bap.example.net', 'bap-key-1'))).toBe(
        ErrorCodes.BECKN_REGISTRY_UNAVAILABLE,
      );
      expect(await codeOfAsync(new HttpRegistry({ url, form: 'dedi' }).lookup('bap.example.net', 'bap-key-1'))).toBe(
        ErrorCodes.BECKN_REGISTRY_UNAVAILABLE,
      );
      expect(await codeOfAsync(new FileRegistry(join(dir, 'missing.json')).lookup('a.example', 'k'))).toBe(
        ErrorCodes.BECKN_REGISTRY_UNAVAILABLE,
      );
    } finally {
      await odd.close();
    }
  });

  it('caches answers until they expire (not-found ones a tenth as long), sharing concurrent lookups, keeping no failures', async () => {
    let calls = 0;
    let fail = false;
    const inner: Registry = {
      lookup: async (s, k) => {
        calls++;
        if (fail) throw new Error('down');
        return s === bap.signer.subscriberId && k === bap.signer.uniqueKeyId ? records()[0] : undefined;
      },
    };
    let now = 1_000_000;
    const cached = new CachedRegistry(inner, 60_000, () => now);
    await Promise.all([cached.lookup('bap.example.net', 'bap-key-1'), cached.lookup('bap.example.net', 'bap-key-1')]);
    expect(calls).toBe(1);
    const callsAfter = async (advanceMs: number, subscriberId: string, keyId: string) => {
      now += advanceMs;
      await cached.lookup(subscriberId, keyId);
      return calls;
    };
    expect(await callsAfter(59_999, 'bap.example.net', 'bap-key-1')).toBe(1);
    expect(await callsAfter(1, 'bap.example.net', 'bap-key-1')).toBe(2);
    expect(await cached.lookup('new.example.net', 'k')).toBeUndefined();
    expect(await callsAfter(5_999, 'new.example.net', 'k')).toBe(3);
    expect(await callsAfter(1, 'new.example.net', 'k')).toBe(4);
    fail = true;
    await expect(cached.lookup('other.example.net', 'k')).rejects.toThrow('down');
    fail = false;
    expect(await cached.lookup('other.example.net', 'k')).toBeUndefined();
    expect(calls).toBe(6);
  });
});
