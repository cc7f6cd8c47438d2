import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ErrorCodes } from '@gridledger/core/core';
import { codeOf } from '../../../core/test/support';
import { bodyDigest, ed25519PrivateKey, ed25519PublicKey, KeyLookup, signingString, signMessage, verifyMessage } from '../../src';

const NOW = 1_795_000_000;
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = { subscriberId: 'bap.gridledger.example', uniqueKeyId: 'k1', privateKey };
const registry: KeyLookup = (subscriber, key) => (subscriber === signer.subscriberId && key === 'k1' ? publicKey : undefined);
const body = JSON.stringify({ context: { action: 'search', transaction_id: 't-1' }, message: { intent: {} } });

const verifyAt = (header: string | undefined, b: string | Buffer = body, now = NOW) =>
  codeOf(() => verifyMessage(header, b, registry, now));

describe('Beckn signatures', () => {
  const header = signMessage(body, signer, NOW, NOW + 30);

  it('writes the BECKN-006 header and verifies it', () => {
    expect(header).toMatch(
      /^Signature keyId="bap\.gridledger\.example\|k1\|ed25519",algorithm="ed25519",created="1795000000",expires="1795000030",headers="\(created\) \(expires\) digest",signature="[A-Za-z0-9+/]{86}=="$/,
    );
    expect(verifyMessage(header, body, registry, NOW + 30)).toEqual({
      subscriberId: signer.subscriberId,
      uniqueKeyId: 'k1',
      created: NOW,
      expires: NOW + 30,
    });
    // Spaces after the commas, as in the specification's gateway example, are accepted.
    expect(verifyAt(header.replace(/",/g, '", '))).toBeUndefined();
  });

  it('refuses a body changed anywhere, even in one byte or in whitespace', () => {
    fc.assert(
      fc.property(fc.nat(body.length - 1), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const changed = Buffer.from(body);
        changed[at] ^= flip;
        expect(verifyAt(header, changed)).toBe(ErrorCodes.BECKN_SIGNATURE_INVALID);
      }),
      { numRuns: 50 },
    );
    expect(verifyAt(header, JSON.stringify(JSON.parse(body), null, 1))).toBe(ErrorCodes.BECKN_SIGNATURE_INVALID);
  });

  it('says which rule failed', () => {
    expect(verifyAt(undefined)).toBe(ErrorCodes.BECKN_SIGNATURE_MISSING);
    expect(verifyAt('')).toBe(ErrorCodes.BECKN_SIGNATURE_MISSING);
    expect(verifyAt(header, body, NOW + 31)).toBe(ErrorCodes.BECKN_SIGNATURE_EXPIRED);
    expect(verifyAt(header, body, NOW - 5)).toBeUndefined();
    expect(verifyAt(header, body, NOW - 6)).toBe(ErrorCodes.BECKN_SIGNATURE_NOT_YET_VALID);
    const stranger = { ...signer, uniqueKeyId: 'k2' };
    expect(verifyAt(signMessage(body, stranger, NOW, NOW + 30))).toBe(ErrorCodes.BECKN_SIGNATURE_UNKNOWN_KEY);
    const impostor = { ...signer, privateKey: generateKeyPairSync('ed25519').privateKey };
    expect(verifyAt(signMessage(body, impostor, NOW, NOW + 30))).toBe(ErrorCodes.BECKN_SIGNATURE_INVALID);
    // Moving the validity window breaks the signature, since both times are signed.
    expect(verifyAt(header.replace('expires="1795000030"', 'expires="1795000090"'))).toBe(ErrorCodes.BECKN_SIGNATURE_INVALID);
  });

  it('refuses headers that are not of the BECKN-006 form', () => {
    const malformed = [
      header.replace('Signature ', 'Bearer '),
      header.replace('|k1|ed25519', '|k1|rsa'),
      header.replace('algorithm="ed25519"', 'algorithm="hs2019"'),
      header.replace('bap.gridledger.example|k1|', 'bap.gridledger.example|'),
      header.replace('headers="(created) (expires) digest"', 'headers="digest"'),
      header.replace('created="1795000000"', 'created="1795000000.5"'),
      header.replace('created="1795000000"', 'created="1795000031"'),
      header.replace(',headers=', ',extra="1",headers='),
      header.replace(',signature=', ',created="1",signature='),
      header.replace(/,signature="[^"]*"/, ''),
      header.replace('",algorithm', '" algorithm'),
    ];
    for (const h of malformed) expect([h, verifyAt(h)]).toEqual([h, ErrorCodes.BECKN_SIGNATURE_MALFORMED]);
  });

  it('reads keys in the registry form: base64 raw public key, seed or seed and public key', () => {
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    expect(ed25519PublicKey(raw.toString('base64')).equals(publicKey)).toBe(true);
    const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
    const fromSeed = ed25519PrivateKey(seed.toString('base64'));
    const fromPair = ed25519PrivateKey(Buffer.concat([seed, raw]).toString('base64'));
    expect(createPublicKey(fromSeed).equals(publicKey)).toBe(true);
    expect(createPublicKey(fromPair).equals(publicKey)).toBe(true);
    expect(codeOf(() => ed25519PublicKey(raw.subarray(1).toString('base64')))).toBe(ErrorCodes.BECKN_KEY_INVALID);
    const wrongHalf = Buffer.concat([seed, Buffer.alloc(32, 7)]);
    expect(codeOf(() => ed25519PrivateKey(wrongHalf.toString('base64')))).toBe(ErrorCodes.BECKN_KEY_INVALID);
  });
});

describe('Beckn signatures with openssl', () => {
  let dir: string;
  const sh = (script: string) => execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, stdio: 'pipe' });
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gl-beckn-'));
    sh('openssl genpkey -algorithm ed25519 -out bpp.pem && openssl pkey -in bpp.pem -pubout -out bpp.pub.pem');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies what openssl signs, and openssl verifies what we sign', () => {
    writeFileSync(join(dir, 'body.json'), body);
    expect(sh('openssl dgst -blake2b512 -binary body.json | base64 -w0').toString()).toBe(bodyDigest(body));
    writeFileSync(join(dir, 'signing.txt'), signingString(NOW, NOW + 60, body));
    const sig = sh('openssl pkeyutl -sign -rawin -inkey bpp.pem -in signing.txt | base64 -w0').toString();
    const bppKey: KeyObject = createPublicKey(readFileSync(join(dir, 'bpp.pub.pem')));
    const header =
      `Signature keyId="bpp.example|b1|ed25519",algorithm="ed25519",created="${NOW}",expires="${NOW + 60}",` +
      `headers="(created) (expires) digest",signature="${sig}"`;
    expect(verifyMessage(header, body, (s, k) => (s === 'bpp.example' && k === 'b1' ? bppKey : undefined), NOW)).toMatchObject({
      subscriberId: 'bpp.example',
    });

    const ours = /signature="([^"]+)"/.exec(signMessage(body, signer, NOW, NOW + 60))![1];
    writeFileSync(join(dir, 'ours.sig'), Buffer.from(ours, 'base64'));
    writeFileSync(join(dir, 'bap.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    expect(sh('openssl pkeyutl -verify -rawin -pubin -inkey bap.pub.pem -in signing.txt -sigfile ours.sig').toString()).toMatch(
      /Signature Verified Successfully/,
    );
  });
});

// The specification's worked example (BAP request body, keys, digest and signature). Its licence
// lets us read it but not copy it in, so the vectors are read from ../shared when it is there.
const SPEC = join(__dirname, '../../../../shared/reference/beckn-core-1.1.0/BECKN-006-Signing-Beckn-APIs-In-HTTP-Draft-01.md');
const specPresent = existsSync(SPEC);
if (!specPresent) console.warn(`SKIPPED: the BECKN-006 known-answer test; ${SPEC} is not present`);

(specPresent ? describe : describe.skip)('Beckn signatures against the specification (BECKN-006, read from ../shared)', () => {
  it("reproduces the BAP example's digest and signature and verifies its header", () => {
    const text = readFileSync(SPEC, 'utf8');
    const exampleBody = text.split('Let the below be the request body in this example')[1].split('```')[1].trim();
    const keys = text.split('Let BAP’s keys be')[1];
    const pub = /signing_public_key=(\S+)/.exec(keys)![1];
    const priv = /signing_private_key=(\S+)/.exec(keys)![1];
    const expectedDigest = /BLAKE-512 hashing function\s+`([^`]+)`/.exec(text)![1];
    const exampleHeader = /\n(Signature keyId="example-bap\.com[^\n]+)/.exec(text)![1];
    const created = Number(/created="(\d+)"/.exec(exampleHeader)![1]);
    const expires = Number(/expires="(\d+)"/.exec(exampleHeader)![1]);
    const [subscriberId, uniqueKeyId] = /keyId="([^"]+)"/.exec(exampleHeader)![1].split('|');

    expect(bodyDigest(exampleBody)).toBe(expectedDigest);
    // Ed25519 is deterministic: the same key and text give the same signature bytes.
    expect(signMessage(exampleBody, { subscriberId, uniqueKeyId, privateKey: ed25519PrivateKey(priv) }, created, expires)).toBe(
      exampleHeader,
    );
    const lookup: KeyLookup = (s, k) => (s === subscriberId && k === uniqueKeyId ? ed25519PublicKey(pub) : undefined);
    expect(verifyMessage(exampleHeader, exampleBody, lookup, created)).toMatchObject({ subscriberId, created, expires });
  });
});
