import { generateKeyPairSync, verify } from 'node:crypto';
import fc from 'fast-check';
import { lowSDer, nodeP256Signer } from '../src/signer';

const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/** r and s of a DER ECDSA signature. */
function parseDer(der: Uint8Array): { r: bigint; s: bigint } {
  const b = Buffer.from(der);
  expect(b[0]).toBe(0x30);
  expect(b[1]).toBe(b.length - 2);
  const ints: bigint[] = [];
  let at = 2;
  while (at < b.length) {
    expect(b[at]).toBe(0x02);
    const len = b[at + 1];
    const bytes = b.subarray(at + 2, at + 2 + len);
    // Minimal: no leading zero byte unless the next one has its top bit set.
    if (bytes.length > 1 && bytes[0] === 0) expect(bytes[1] & 0x80).toBe(0x80);
    expect(bytes[0] & 0x80).toBe(0);
    ints.push(BigInt(`0x${bytes.toString('hex')}`));
    at += 2 + len;
  }
  expect(ints).toHaveLength(2);
  return { r: ints[0], s: ints[1] };
}

describe('nodeP256Signer', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const signer = nodeP256Signer(privateKey)!;

  it('signs ECDSA P-256/SHA-256 over the message in low-S DER, which OpenSSL verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 300 }), async (message) => {
        const der = await signer(message);
        expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
        const { s } = parseDer(der);
        expect(s <= N >> 1n).toBe(true);
        const other = Buffer.concat([Buffer.from(message), Buffer.from([1])]);
        expect(verify('sha256', other, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('turns a high s into n − s and keeps a low one', () => {
    const r = Buffer.alloc(32, 0x11);
    const high = N - 5n;
    const rs = Buffer.concat([r, Buffer.from(high.toString(16).padStart(64, '0'), 'hex')]);
    expect(parseDer(lowSDer(rs)).s).toBe(5n);
    const low = Buffer.concat([Buffer.from([0x80, ...Buffer.alloc(31, 1)]), Buffer.from(7n.toString(16).padStart(64, '0'), 'hex')]);
    const parsed = parseDer(lowSDer(low));
    expect(parsed.s).toBe(7n);
    expect(parsed.r).toBe(BigInt(`0x${low.subarray(0, 32).toString('hex')}`));
  });

  it('is not offered for keys of other kinds', () => {
    expect(nodeP256Signer(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey)).toBeUndefined();
    expect(nodeP256Signer(generateKeyPairSync('ed25519').privateKey)).toBeUndefined();
  });
});
