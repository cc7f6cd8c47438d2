import { sign, type KeyObject } from 'node:crypto';

/** Order of the P-256 group, and half of it: Fabric accepts only signatures with s <= n/2 ("low S"). */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const P256_HALF_N = P256_N >> 1n;

function derInteger(value: Buffer): Buffer {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start += 1;
  const body = value.subarray(start);
  // A leading 1 bit would read as negative: prefix a zero byte.
  const bytes = body[0] & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body;
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** r‖s (32 bytes each) to DER, with s replaced by n − s when it is in the upper half. */
export function lowSDer(rs: Uint8Array): Buffer {
  if (rs.length !== 64) throw new Error(`a P-256 signature has 64 bytes, not ${rs.length}`);
  const r = Buffer.from(rs.subarray(0, 32));
  let s = BigInt(`0x${Buffer.from(rs.subarray(32)).toString('hex')}`);
  if (s > P256_HALF_N) s = P256_N - s;
  const sBytes = Buffer.from(s.toString(16).padStart(64, '0'), 'hex');
  const body = Buffer.concat([derInteger(r), derInteger(sBytes)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/**
 * A fabric-gateway signer for a P-256 key that signs with node:crypto (OpenSSL) instead of the
 * library's pure-JavaScript one: ECDSA with SHA-256 over the whole message, so it goes with
 * `hash: hash.none`. At the readings load the library's signer took about a sixth of the bridge's
 * CPU (three signatures per transaction: proposal, transaction, commit status request). Returns
 * undefined for a key of another kind, for which the library's signer stays.
 */
export function nodeP256Signer(key: KeyObject): ((message: Uint8Array) => Promise<Uint8Array>) | undefined {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return undefined;
  return (message) => Promise.resolve(lowSDer(sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' })));
}
