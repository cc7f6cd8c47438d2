import { createHash, createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { ErrorCode, ErrorCodes, GridLedgerError } from '@gridledger/core/core';

/**
 * Beckn message signing (BECKN-006, HTTP Signatures as drafted by Cavage, version 12): the sender
 * signs `(created)`, `(expires)` and a BLAKE2b-512 digest of the exact body bytes with Ed25519,
 * and sends it as `Authorization: Signature keyId="subscriber|key|ed25519",...`. Every failure is
 * a 401 with a NACK; the codes below tell the sender which.
 */

/** The only header list Beckn signs. */
export const SIGNED_HEADERS = '(created) (expires) digest';
export const ALGORITHM = 'ed25519';

/** DER of PKCS#8 PrivateKeyInfo for Ed25519 (RFC 8410) up to the 32-byte seed. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface BecknSigner {
  subscriberId: string;
  uniqueKeyId: string;
  privateKey: KeyObject;
}

/** Who signed a message, once verified. */
export interface BecknSignature {
  subscriberId: string;
  uniqueKeyId: string;
  created: number;
  expires: number;
}

/** Finds a subscriber's registered Ed25519 public key (the registry's lookup, or a cached copy). */
export type KeyLookup = (subscriberId: string, uniqueKeyId: string) => KeyObject | undefined;

function fail(code: ErrorCode, message: string, details: Record<string, string | number> = {}): never {
  throw new GridLedgerError(code, message, details);
}

/** base64 of the BLAKE2b-512 digest of the body exactly as sent. */
export function bodyDigest(body: Buffer | string): string {
  return createHash('blake2b512').update(body).digest('base64');
}

export function signingString(created: number, expires: number, body: Buffer | string): string {
  return `(created): ${created}\n(expires): ${expires}\ndigest: BLAKE-512=${bodyDigest(body)}`;
}

/** The Authorization header value for a body, valid from `created` to `expires` (Unix seconds). */
export function signMessage(body: Buffer | string, signer: BecknSigner, created: number, expires: number): string {
  const signature = sign(null, Buffer.from(signingString(created, expires, body)), signer.privateKey).toString('base64');
  const keyId = `${signer.subscriberId}|${signer.uniqueKeyId}|${ALGORITHM}`;
  return (
    `Signature keyId="${keyId}",algorithm="${ALGORITHM}",created="${created}",expires="${expires}",` +
    `headers="${SIGNED_HEADERS}",signature="${signature}"`
  );
}

const PARAM = /\s*([A-Za-z]+)="([^"]*)"\s*(?:,|$)/y;
const PARAMS = ['keyId', 'algorithm', 'created', 'expires', 'headers', 'signature'] as const;
const UNIX_SECONDS = /^(0|[1-9]\d{0,11})$/;

/** Splits a `Signature ...` header into its parameters; each required one exactly once, nothing else. */
function parseHeader(header: string): Record<(typeof PARAMS)[number], string> {
  const m = /^Signature\s+(.*)$/s.exec(header.trim());
  if (!m) fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, 'the auth scheme must be Signature');
  const params: Record<string, string> = {};
  const text = m[1];
  PARAM.lastIndex = 0;
  while (PARAM.lastIndex < text.length) {
    const at = PARAM.lastIndex;
    const p = PARAM.exec(text);
    if (!p || p.index !== at) fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, 'parameters must be name="value", separated by commas');
    const [, name, value] = p;
    if (!(PARAMS as readonly string[]).includes(name) || name in params) {
      fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, `unexpected or repeated parameter ${name}`, { parameter: name });
    }
    params[name] = value;
  }
  for (const name of PARAMS) {
    if (!(name in params)) fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, `missing parameter ${name}`, { parameter: name });
  }
  return params as Record<(typeof PARAMS)[number], string>;
}

/**
 * Checks an Authorization (or X-Gateway-Authorization) header against the body received, at
 * `nowSeconds`. `created` may lie at most `clockSkewSeconds` ahead of our clock.
 */
export function verifyMessage(
  header: string | undefined,
  body: Buffer | string,
  lookup: KeyLookup,
  nowSeconds: number,
  clockSkewSeconds = 5,
): BecknSignature {
  if (header === undefined || header.trim() === '') fail(ErrorCodes.BECKN_SIGNATURE_MISSING, 'the message is not signed');
  const p = parseHeader(header);
  const parts = p.keyId.split('|');
  if (parts.length !== 3 || parts.some((x) => x === '')) {
    fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, 'keyId must be subscriber_id|unique_key_id|algorithm');
  }
  const [subscriberId, uniqueKeyId, keyAlgorithm] = parts;
  if (p.algorithm !== ALGORITHM || keyAlgorithm !== ALGORITHM) {
    fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, `algorithm must be ${ALGORITHM} in both keyId and algorithm`);
  }
  if (p.headers !== SIGNED_HEADERS) fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, `headers must be "${SIGNED_HEADERS}"`);
  if (!UNIX_SECONDS.test(p.created) || !UNIX_SECONDS.test(p.expires)) {
    fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, 'created and expires must be Unix timestamps in seconds');
  }
  const created = Number(p.created);
  const expires = Number(p.expires);
  if (expires < created) fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, 'expires lies before created');
  if (created > nowSeconds + clockSkewSeconds) fail(ErrorCodes.BECKN_SIGNATURE_NOT_YET_VALID, 'created lies in the future', { created });
  if (expires < nowSeconds) fail(ErrorCodes.BECKN_SIGNATURE_EXPIRED, 'the signature has expired', { expires });

  const key = lookup(subscriberId, uniqueKeyId);
  if (key === undefined) {
    fail(ErrorCodes.BECKN_SIGNATURE_UNKNOWN_KEY, 'no registered key for this subscriber and key id', { subscriberId, uniqueKeyId });
  }
  const signature = Buffer.from(p.signature, 'base64');
  const ok = signature.length === 64 && verify(null, Buffer.from(signingString(created, expires, body)), key, signature);
  if (!ok) fail(ErrorCodes.BECKN_SIGNATURE_INVALID, 'the signature does not match the body and key', { subscriberId });
  return { subscriberId, uniqueKeyId, created, expires };
}

/** A registry's `signing_public_key`: base64 of the raw 32-byte Ed25519 public key. */
export function ed25519PublicKey(base64: string): KeyObject {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== 32) fail(ErrorCodes.BECKN_KEY_INVALID, 'an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** A signing private key in base64: the 32-byte seed, or seed and public key (64 bytes, as libsodium keeps it). */
export function ed25519PrivateKey(base64: string): KeyObject {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== 32 && raw.length !== 64) fail(ErrorCodes.BECKN_KEY_INVALID, 'an Ed25519 private key is 32 or 64 bytes');
  const seed = raw.subarray(0, 32);
  // Derive the public half from the seed; a 64-byte key whose second half disagrees is refused.
  const probe = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const x = createPublicKey(probe).export({ format: 'jwk' }).x!;
  if (raw.length === 64 && Buffer.from(x, 'base64url').compare(raw.subarray(32)) !== 0) {
    fail(ErrorCodes.BECKN_KEY_INVALID, 'the second half of a 64-byte key must be its public key');
  }
  return probe;
}
