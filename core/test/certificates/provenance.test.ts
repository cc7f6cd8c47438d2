/**
 * Provenance evidence: a reading's signed bytes, signature and verdict; and the openssl recipe of
 * docs/certificates.md ("Checking a proof with openssl"), run verbatim on a proof, accepts it and
 * refuses a copy with a tampered reading.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readingEvidence, readingSignedBytes, signatureHolds } from '../../src';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

function stored(intervalStart: string, exportWh: number) {
  const reading = { meterId: 'm-1', intervalStart, seq: 7, importWh: 120, exportWh, importRegisterWh: 5000, exportRegisterWh: 9000 };
  const sig = sign('sha256', readingSignedBytes(reading), { key: privateKey, dsaEncoding: 'der' }).toString('base64');
  return { ...reading, sig, txId: `tx-${intervalStart}`, recordedAt: intervalStart, prevIntervalStart: null };
}

describe('readingEvidence', () => {
  it('gives the signed bytes and signature of a whole reading, verified with the meter key', () => {
    const r = stored('2026-11-21T10:00:00Z', 400);
    const e = readingEvidence(r, pem);
    expect(e.signedPayload).toBe(readingSignedBytes(r).toString('utf8'));
    expect(e.signature).toBe(r.sig);
    expect(e.signatureVerified).toBe(true);
    expect(e.exportWh).toBe(400);
    expect(readingEvidence(r, other).signatureVerified).toBe(false);
  });

  it('says a reading whose figures changed after signing does not verify', () => {
    expect(readingEvidence({ ...stored('2026-11-21T10:00:00Z', 400), exportWh: 401 }, pem).signatureVerified).toBe(false);
  });

  it('gives the public part only (no import, no signature) when asked, or when the reader sees no import', () => {
    const { importWh: _i, importRegisterWh: _r, sig: _s, ...publicPart } = stored('2026-11-21T10:00:00Z', 400);
    const fromPublic = readingEvidence({ ...publicPart, importHash: 'h' }, pem);
    expect(fromPublic).toEqual({ ...readingEvidence(stored('2026-11-21T10:00:00Z', 400), pem, true), importHash: 'h' });
    expect([fromPublic.signedPayload, fromPublic.signature, fromPublic.signatureVerified]).toEqual([null, null, null]);
    expect(JSON.stringify(readingEvidence(stored('2026-11-21T10:00:00Z', 400), pem, true))).not.toContain('120');
  });

  it('signatureHolds refuses what is no key or no signature instead of throwing', () => {
    expect(signatureHolds('{}', 'AAAA', 'not a key')).toBe(false);
    expect(signatureHolds('{}', '!!', pem)).toBe(false);
  });
});

/** The recipe of docs/certificates.md, "Checking a proof with openssl", read from the doc itself. */
function recipe(): string {
  const doc = readFileSync(join(__dirname, '../../../docs/certificates.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### Checking a proof with openssl'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (block === null) throw new Error('docs/certificates.md has no openssl recipe');
  return block[1];
}

describe('the openssl recipe of docs/certificates.md', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gl-proof-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (proof: object) => {
    writeFileSync(join(dir, 'provenance.json'), JSON.stringify(proof));
    try {
      return { ok: true, out: execFileSync('bash', ['-euo', 'pipefail', '-c', recipe()], { cwd: dir, stdio: 'pipe' }).toString() };
    } catch (e) {
      return { ok: false, out: String((e as { stdout?: Buffer }).stdout ?? '') };
    }
  };
  const readings = ['2026-11-21T10:00:00Z', '2026-11-21T10:15:00Z'].map((t, i) => readingEvidence(stored(t, 300 + i), pem));
  const proof = { proof: { meter: { meterId: 'm-1', publicKeyPem: pem }, readings } };

  it('verifies every reading of a proof with openssl alone', () => {
    const { ok, out } = run(proof);
    expect(ok).toBe(true);
    expect(out.match(/Verified OK/g)).toHaveLength(2);
  });

  it('fails on a copy whose reading was tampered with', () => {
    const tampered = structuredClone(proof);
    tampered.proof.readings[1].signedPayload = tampered.proof.readings[1].signedPayload!.replace('"exportWh":301', '"exportWh":999');
    expect(tampered.proof.readings[1].signedPayload).toContain('"exportWh":999');
    const { ok, out } = run(tampered);
    expect(ok).toBe(false);
    expect(out).toContain('Verified OK');
    expect(out.match(/Verified OK/g)).toHaveLength(1);
  });
});
