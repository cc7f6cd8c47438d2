import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileStamp, readJsonFile, withFileLock, writeFileAtomic } from './files';

/**
 * API keys. A key is shown once, when it is issued; only its SHA-256 is stored. Each key names one
 * identity of the gateway's wallet (its CA enrollment id), has a public id (`kid_` and the first 16
 * hex digits of its SHA-256: not secret, it is what logs and routes name) and an expiry. Revoked
 * and expired records are kept 30 days so that their key is refused with its own code, then dropped.
 */

export const DEFAULT_KEY_DAYS = 90;
export const MAX_KEY_DAYS = 365;
const DAY_MS = 24 * 3600_000;
/** How long a revoked or expired record stays (API_KEY_REVOKED / API_KEY_EXPIRED) before it is dropped (UNAUTHENTICATED). */
const KEEP_ENDED_MS = 30 * DAY_MS;

export interface ApiKeyRecord {
  keyId: string;
  /** Hex SHA-256 of the key's text. */
  sha256: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  /** The key that replaced it, when a rotation revoked it. */
  replacedBy?: string;
  /** SHA-256 of the Idempotency-Key of that rotation: a retry of it may still present this key. */
  rotationKeySha256?: string;
}

export type KeyState = 'active' | 'expired' | 'revoked';

export interface KeyLookup {
  record: ApiKeyRecord;
  state: KeyState;
}

export interface IssuedKey {
  /** The key itself: returned once, stored nowhere. */
  apiKey: string;
  record: ApiKeyRecord;
}

export interface ApiKeyStore {
  /** Creates a key for `userId` (expiring at `expiresAt`, by default in 90 days) and returns it: the only time it exists. */
  issue(userId: string, expiresAt?: Date): IssuedKey;
  /** The record of a presented key and whether it is active, or undefined for a key it does not know. */
  lookup(key: string): KeyLookup | undefined;
  /** A key's record by its id. */
  get(keyId: string): ApiKeyRecord | undefined;
  /** The records of a user's keys, oldest first. */
  list(userId: string): ApiKeyRecord[];
  /** Revokes a key; a key revoked before stays as it was. Undefined when there is no such key. */
  revoke(keyId: string): ApiKeyRecord | undefined;
  /**
   * Revokes `keyId` and issues its user a new key, in one write. A key a rotation revoked before
   * is rotated again (a retry whose answer was lost): the key that replaced it is revoked too.
   */
  rotate(keyId: string, expiresAt?: Date, rotationKeySha256?: string): IssuedKey | undefined;
}

interface KeyFile {
  version: 1 | 2;
  keys: ApiKeyRecord[];
}

const KEY_PREFIX = 'glk_';

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** A key's public id, from its hash (so version 1 records, which have none, get the same one). */
export const keyIdOf = (sha256: string): string => `kid_${sha256.slice(0, 16)}`;

export function newApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** The expiry `days` whole days from `now`; days must be 1 to 365. */
export function expiryIn(days: number, now = Date.now()): Date {
  if (!Number.isInteger(days) || days < 1 || days > MAX_KEY_DAYS)
    throw new RangeError(`a key lives 1 to ${MAX_KEY_DAYS} days, not ${days}`);
  return new Date(now + days * DAY_MS);
}

/** Checks an explicit expiry: in the future and at most 365 days ahead. */
export function checkExpiry(expiresAt: Date, now = Date.now()): Date {
  if (!(expiresAt.getTime() > now) || expiresAt.getTime() > now + MAX_KEY_DAYS * DAY_MS) {
    throw new RangeError(`a key's expiry must lie in the next ${MAX_KEY_DAYS} days`);
  }
  return expiresAt;
}

export function stateOf(record: ApiKeyRecord, now = Date.now()): KeyState {
  if (record.revokedAt !== undefined) return 'revoked';
  return Date.parse(record.expiresAt) <= now ? 'expired' : 'active';
}

export const apiKeysPath = (stateDir: string, org: string) => join(stateDir, 'gateway', org, 'api-keys.json');

/** The store's rules over a key file; where the file lives (disk or memory) is the subclass's. */
abstract class KeyBook implements ApiKeyStore {
  protected abstract find(sha256: string): ApiKeyRecord | undefined;
  protected abstract records(): ApiKeyRecord[];
  /** Runs `fn` on the current file and keeps what it changed. */
  protected abstract change<T>(fn: (file: KeyFile) => T): T;

  issue(userId: string, expiresAt?: Date): IssuedKey {
    return this.change((file) => add(file, userId, expiresAt));
  }

  lookup(key: string): KeyLookup | undefined {
    if (typeof key !== 'string' || !key.startsWith(KEY_PREFIX)) return undefined;
    const record = this.find(hashKey(key));
    return record && { record: { ...record }, state: stateOf(record) };
  }

  get(keyId: string): ApiKeyRecord | undefined {
    return this.records().find((k) => k.keyId === keyId);
  }

  list(userId: string): ApiKeyRecord[] {
    return this.records().filter((k) => k.userId === userId);
  }

  revoke(keyId: string): ApiKeyRecord | undefined {
    return this.change((file) => {
      const record = file.keys.find((k) => k.keyId === keyId);
      if (record) record.revokedAt ??= new Date().toISOString();
      return record && { ...record };
    });
  }

  rotate(keyId: string, expiresAt?: Date, rotationKeySha256?: string): IssuedKey | undefined {
    return this.change((file) => {
      const old = file.keys.find((k) => k.keyId === keyId);
      if (!old) return undefined;
      const now = new Date().toISOString();
      const lost = old.replacedBy !== undefined ? file.keys.find((k) => k.keyId === old.replacedBy) : undefined;
      if (lost) lost.revokedAt ??= now;
      const issued = add(file, old.userId, expiresAt);
      old.revokedAt ??= now;
      old.replacedBy = issued.record.keyId;
      if (rotationKeySha256 !== undefined) old.rotationKeySha256 = rotationKeySha256;
      else delete old.rotationKeySha256;
      return issued;
    });
  }
}

/** A new key for `userId`; by default it expires DEFAULT_KEY_DAYS after its creation, to the millisecond. */
function add(file: KeyFile, userId: string, expiresAt?: Date): IssuedKey {
  const now = Date.now();
  let apiKey: string;
  let sha256: string;
  // 64 bits of id: a clash is next to impossible, and still not allowed.
  do {
    apiKey = newApiKey();
    sha256 = hashKey(apiKey);
  } while (file.keys.some((k) => k.keyId === keyIdOf(sha256)));
  const record: ApiKeyRecord = {
    keyId: keyIdOf(sha256),
    sha256,
    userId,
    createdAt: new Date(now).toISOString(),
    expiresAt: (expiresAt ?? expiryIn(DEFAULT_KEY_DAYS, now)).toISOString(),
  };
  file.keys.push(record);
  return { apiKey, record: { ...record } };
}

/**
 * The file as this version writes it: version 2, every record with its id and an expiry. Records of
 * a version 1 file get their id from their hash and expire 90 days after this version first writes
 * the file. Records revoked or expired more than 30 days ago are dropped.
 */
function current(file: KeyFile, now = Date.now()): KeyFile {
  const fallbackExpiry = expiryIn(DEFAULT_KEY_DAYS, now).toISOString();
  const keys = file.keys
    .map((k) => ({ ...k, keyId: k.keyId ?? keyIdOf(k.sha256), expiresAt: k.expiresAt ?? fallbackExpiry }))
    .filter((k) => Math.min(Date.parse(k.revokedAt ?? k.expiresAt), Date.parse(k.expiresAt)) > now - KEEP_ENDED_MS);
  return { version: 2, keys };
}

/**
 * Keys in `<stateDir>/gateway/<org>/api-keys.json` (mode 0600, written atomically under a lock).
 * Every lookup re-reads the file when it changed (one stat otherwise), so keys issued, rotated or
 * revoked by the CLI while the gateway runs count at once. A version 1 file is rewritten as version
 * 2 when first read.
 */
export class FileApiKeyStore extends KeyBook {
  private byHash = new Map<string, ApiKeyRecord>();
  private stamp: string | undefined = 'never read';

  constructor(readonly path: string) {
    super();
  }

  protected find(sha256: string): ApiKeyRecord | undefined {
    return this.fresh().get(sha256);
  }

  protected records(): ApiKeyRecord[] {
    return [...this.fresh().values()].map((k) => ({ ...k }));
  }

  /** The records by hash, read again when the file changed. */
  private fresh(): Map<string, ApiKeyRecord> {
    if (fileStamp(this.path) !== this.stamp) this.load();
    return this.byHash;
  }

  protected change<T>(fn: (file: KeyFile) => T): T {
    const result = withFileLock(this.path, () => {
      const file = current(this.read());
      const out = fn(file);
      writeFileAtomic(this.path, `${JSON.stringify(current(file), null, 2)}\n`);
      return out;
    });
    this.load();
    return result;
  }

  private read(): KeyFile {
    const file = readJsonFile<KeyFile>(this.path, { version: 2, keys: [] });
    if (!Array.isArray(file.keys)) throw new Error(`${this.path} is not an API key file`);
    return file;
  }

  private load(): void {
    this.stamp = fileStamp(this.path);
    const file = this.read();
    if (file.version !== 2) return this.change(() => undefined);
    this.byHash = new Map(file.keys.map((k) => [k.sha256, k]));
  }
}

/** Keys held in memory only (tests). */
export class MemoryApiKeyStore extends KeyBook {
  private file: KeyFile = { version: 2, keys: [] };

  protected find(sha256: string): ApiKeyRecord | undefined {
    return this.file.keys.find((k) => k.sha256 === sha256);
  }

  protected records(): ApiKeyRecord[] {
    return this.file.keys.map((k) => ({ ...k }));
  }

  protected change<T>(fn: (file: KeyFile) => T): T {
    const result = fn(this.file);
    this.file = current(this.file);
    return result;
  }
}
