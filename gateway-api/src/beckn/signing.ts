import { createHash, createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519';
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

/** A subscriber's registered Ed25519 key and the window the registry gives it (Unix seconds, both inclusive). */
export interface RegisteredKey {
  publicKey: KeyObject;
  validFrom: number;
  validUntil: number;
}

/** Finds a subscriber's registered key (a cached copy of the registry's lookup), or undefined. */
export type KeyLookup = (subscriberId: string, uniqueKeyId: string) => RegisteredKey | undefined;

/**
 * How long a signature may live (expires - created) and how far our clock may lag the signer's.
 * BECKN-006 asks that the window equal the request's ttl; 300 s covers the usual PT30S..PT5M and
 * bounds how long a captured message could be replayed to a verifier without our replay cache.
 */
export const MAX_SIGNATURE_LIFETIME_SECONDS = 300;
export const CLOCK_SKEW_SECONDS = 5;

export interface VerifyLimits {
  maxLifetimeSeconds?: number;
  clockSkewSeconds?: number;
}

/** A signature header read and checked in form and time, before its key is looked up. */
export interface SignatureHeader extends BecknSignature {
  signature: Buffer;
}

function fail(code: ErrorCode, message: string, details: Record<string, string | number> = {}): never {
  throw new GridLedgerError(code, message, details);
}

function bytesOnly(body: Buffer): Buffer {
  // Signatures cover the bytes on the wire; a string would invite re-serialised JSON.
  if (!Buffer.isBuffer(body)) throw new TypeError('a Beckn body is signed and verified as the raw bytes (a Buffer), never a string');
  return body;
}

/** base64 of the BLAKE2b-512 digest of the body exactly as sent. */
export function bodyDigest(body: Buffer): string {
  return createHash('blake2b512').update(bytesOnly(body)).digest('base64');
}

export function signingString(created: number, expires: number, body: Buffer): string {
  return `(created): ${created}\n(expires): ${expires}\ndigest: BLAKE-512=${bodyDigest(body)}`;
}

/** The Authorization header value for a body, valid from `created` to `expires` (Unix seconds). */
export function signMessage(body: Buffer, signer: BecknSigner, created: number, expires: number): string {
  const signature = sign(null, Buffer.from(signingString(created, expires, body)), signer.privateKey).toString('base64');
  const keyId = `${signer.subscriberId}|${signer.uniqueKeyId}|${ALGORITHM}`;
  return (
    `Signature keyId="${keyId}",algorithm="${ALGORITHM}",created="${created}",expires="${expires}",` +
    `headers="${SIGNED_HEADERS}",signature="${signature}"`
  );
}

const PARAM = /([A-Za-z]+)="([^"]*)"/y;
const PARAMS = ['keyId', 'algorithm', 'created', 'expires', 'headers', 'signature'] as const;
const UNIX_SECONDS = /^(0|[1-9]\d{0,11})$/;
/** Standard base64 of exactly 64 bytes: no base64url characters, no whitespace, no missing or extra padding. */
const SIGNATURE_BASE64 = /^[A-Za-z0-9+/]{86}==$/;
/** A subscriber id is a host name (an FQDN by default, BECKN-006); it goes into registry URLs, so nothing else passes. */
export const SUBSCRIBER_ID =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** A unique key id (a uuid, recommended, or the registry's own token): letters, digits, '.', '_', '-', starting alphanumeric. */
export const UNIQUE_KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Splits a `Signature ...` header into its parameters: name="value" pairs separated by single commas, each once, nothing else. */
function parseHeader(header: string): Record<(typeof PARAMS)[number], string> {
  const m = /^Signature +(.*)$/s.exec(header.trim());
  if (!m) fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, 'the auth scheme must be Signature');
  const params: Record<string, string> = {};
  const text = m[1];
  const malformed = (): never => fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, 'parameters must be name="value", separated by single commas');
  let at = 0;
  const skipSpaces = () => {
    while (text[at] === ' ') at++;
  };
  for (;;) {
    skipSpaces();
    PARAM.lastIndex = at;
    const p = PARAM.exec(text) ?? malformed();
    const [, name, value] = p;
    if (!(PARAMS as readonly string[]).includes(name) || name in params) {
      fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, `unexpected or repeated parameter ${name}`, { parameter: name });
    }
    params[name] = value;
    at = PARAM.lastIndex;
    skipSpaces();
    if (at === text.length) break;
    // Anything but one comma followed by another parameter (a trailing comma, junk) is refused.
    if (text[at] !== ',') malformed();
    at++;
  }
  for (const name of PARAMS) {
    if (!(name in params)) fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, `missing parameter ${name}`, { parameter: name });
  }
  return params as Record<(typeof PARAMS)[number], string>;
}

/**
 * Reads an Authorization (or X-Gateway-Authorization) header and checks its form and times at
 * `nowSeconds`: `created` at most the clock skew ahead of us, `expires` not passed, and the window
 * between them at most `maxLifetimeSeconds`.
 */
export function readSignatureHeader(header: string | undefined, nowSeconds: number, limits: VerifyLimits = {}): SignatureHeader {
  const maxLifetime = limits.maxLifetimeSeconds ?? MAX_SIGNATURE_LIFETIME_SECONDS;
  const skew = limits.clockSkewSeconds ?? CLOCK_SKEW_SECONDS;
  if (header === undefined || header.trim() === '') fail(ErrorCodes.BECKN_SIGNATURE_MISSING, 'the message is not signed');
  const p = parseHeader(header);
  const parts = p.keyId.split('|');
  if (parts.length !== 3) fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, 'keyId must be subscriber_id|unique_key_id|algorithm');
  const [subscriberId, uniqueKeyId, keyAlgorithm] = parts;
  if (!SUBSCRIBER_ID.test(subscriberId) || !UNIQUE_KEY_ID.test(uniqueKeyId)) {
    fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, 'keyId: the subscriber_id must be a host name and the unique_key_id a plain token');
  }
  if (p.algorithm !== ALGORITHM || keyAlgorithm !== ALGORITHM) {
    fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, `algorithm must be ${ALGORITHM} in both keyId and algorithm`);
  }
  if (p.headers !== SIGNED_HEADERS) fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, `headers must be "${SIGNED_HEADERS}"`);
  if (!UNIX_SECONDS.test(p.created) || !UNIX_SECONDS.test(p.expires)) {
    fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, 'created and expires must be Unix timestamps in seconds');
  }
  if (!SIGNATURE_BASE64.test(p.signature)) {
    fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, 'signature must be the standard base64 of 64 bytes');
  }
  const created = Number(p.created);
  const expires = Number(p.expires);
  if (expires < created) fail(ErrorCodes.BECKN_SIGNATURE_MALFORMED, 'expires lies before created');
  if (expires - created > maxLifetime) {
    fail(ErrorCodes.BECKN_SIGNATURE_LIFETIME_TOO_LONG, `a signature may live at most ${maxLifetime} s`, { created, expires, maxLifetime });
  }
  if (created > nowSeconds + skew) fail(ErrorCodes.BECKN_SIGNATURE_NOT_YET_VALID, 'created lies in the future', { created });
  if (expires < nowSeconds) fail(ErrorCodes.BECKN_SIGNATURE_EXPIRED, 'the signature has expired', { expires });
  return { subscriberId, uniqueKeyId, created, expires, signature: Buffer.from(p.signature, 'base64') };
}

/** Checks a read header against the body received and the signer's registered key (undefined: none). */
export function checkSignature(header: SignatureHeader, body: Buffer, key: RegisteredKey | undefined): BecknSignature {
  const { subscriberId, uniqueKeyId, created, expires } = header;
  if (key === undefined) {
    fail(ErrorCodes.BECKN_SIGNATURE_UNKNOWN_KEY, 'no registered key for this subscriber and key id', { subscriberId, uniqueKeyId });
  }
  // BECKN-006: a signature must not outlive its key, nor be made before the key was valid.
  if (created < key.validFrom || expires > key.validUntil) {
    fail(ErrorCodes.BECKN_KEY_NOT_VALID, 'the registered key is not valid over the signature’s window', {
      subscriberId,
      uniqueKeyId,
      validFrom: key.validFrom,
      validUntil: key.validUntil,
    });
  }
  assertUsableKey(rawPublicKey(key.publicKey));
  const ok = verify(null, Buffer.from(signingString(created, expires, body)), key.publicKey, header.signature);
  if (!ok) fail(ErrorCodes.BECKN_SIGNATURE_INVALID, 'the signature does not match the body and key', { subscriberId });
  return { subscriberId, uniqueKeyId, created, expires };
}

/**
 * Checks a signed message at `nowSeconds` with a synchronous key lookup (a cached registry).
 * With a replay cache, a signature is accepted once only (see ReplayCache).
 */
export function verifyMessage(
  header: string | undefined,
  body: Buffer,
  lookup: KeyLookup,
  nowSeconds: number,
  limits: VerifyLimits & { replay?: { accept(signature: Buffer, expires: number, nowSeconds: number): boolean } } = {},
): BecknSignature {
  bytesOnly(body);
  const read = readSignatureHeader(header, nowSeconds, limits);
  const verified = checkSignature(read, body, lookup(read.subscriberId, read.uniqueKeyId));
  if (limits.replay && !limits.replay.accept(read.signature, read.expires, nowSeconds)) {
    fail(ErrorCodes.BECKN_SIGNATURE_REPLAYED, 'this signature was presented before', { subscriberId: read.subscriberId });
  }
  return verified;
}

function rawPublicKey(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');
}

const usable = new Set<string>();

/**
 * Refuses an Ed25519 public key that is not a canonical point of the prime-order subgroup: with a
 * small-order key (the identity point, for one) signatures verify over any body.
 */
function assertUsableKey(raw: Buffer): void {
  const hex = raw.toString('hex');
  if (usable.has(hex)) return;
  let point;
  try {
    point = ed25519.ExtendedPoint.fromHex(hex, false);
  } catch {
    fail(ErrorCodes.BECKN_KEY_INVALID, 'the public key is not an Ed25519 point');
  }
  if (point.isSmallOrder() || !point.isTorsionFree()) {
    fail(ErrorCodes.BECKN_KEY_INVALID, 'the public key is of small order (or has a small-order component)');
  }
  if (usable.size > 10_000) usable.clear();
  usable.add(hex);
}

/** A registry's `signing_public_key`: base64 of the raw 32-byte Ed25519 public key. */
export function ed25519PublicKey(base64: string): KeyObject {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(base64)) fail(ErrorCodes.BECKN_KEY_INVALID, 'an Ed25519 public key is the base64 of 32 bytes');
  const raw = Buffer.from(base64, 'base64');
  assertUsableKey(raw);
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
