import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileStamp, readJsonFile, withFileLock, writeFileAtomic } from './files';

/**
 * API keys. A key is shown once, when it is issued; only its SHA-256 is stored. Each key names one
 * identity of the gateway's wallet (its CA enrollment id).
 */

export interface ApiKeyRecord {
  /** Hex SHA-256 of the key's text. */
  sha256: string;
  userId: string;
  createdAt: string;
}

export interface ApiKeyStore {
  /** Creates a key for `userId`, stores its hash and returns the key itself (the only time it exists). */
  issue(userId: string): string;
  /** The user a presented key belongs to, or undefined. */
  lookup(key: string): string | undefined;
  /** Revokes a key by its hash. */
  revoke(sha256: string): void;
}

interface KeyFile {
  version: 1;
  keys: ApiKeyRecord[];
}

const KEY_PREFIX = 'glk_';

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export function newApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export const apiKeysPath = (stateDir: string, org: string) => join(stateDir, 'gateway', org, 'api-keys.json');

/**
 * Keys in `<stateDir>/gateway/<org>/api-keys.json` (mode 0600, written atomically under a lock).
 * A lookup that misses re-reads the file when it changed, so keys issued by `issue-key` while the
 * gateway runs are seen at once.
 */
export class FileApiKeyStore implements ApiKeyStore {
  private byHash = new Map<string, ApiKeyRecord>();
  private stamp: string | undefined = 'never read';

  constructor(readonly path: string) {}

  issue(userId: string): string {
    const key = newApiKey();
    const record: ApiKeyRecord = { sha256: hashKey(key), userId, createdAt: new Date().toISOString() };
    this.update((file) => file.keys.push(record));
    return key;
  }

  lookup(key: string): string | undefined {
    if (typeof key !== 'string' || !key.startsWith(KEY_PREFIX)) return undefined;
    const hash = hashKey(key);
    let record = this.byHash.get(hash);
    if (!record && fileStamp(this.path) !== this.stamp) {
      this.load();
      record = this.byHash.get(hash);
    }
    return record?.userId;
  }

  revoke(sha256: string): void {
    this.update((file) => {
      file.keys = file.keys.filter((k) => k.sha256 !== sha256);
    });
  }

  private read(): KeyFile {
    const file = readJsonFile<KeyFile>(this.path, { version: 1, keys: [] });
    if (!Array.isArray(file.keys)) throw new Error(`${this.path} is not an API key file`);
    return file;
  }

  private load(): void {
    this.stamp = fileStamp(this.path);
    this.byHash = new Map(this.read().keys.map((k) => [k.sha256, k]));
  }

  private update(change: (file: KeyFile) => void): void {
    withFileLock(this.path, () => {
      const file = this.read();
      change(file);
      writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`);
    });
    this.load();
  }
}

/** Keys held in memory only (tests). */
export class MemoryApiKeyStore implements ApiKeyStore {
  readonly records = new Map<string, ApiKeyRecord>();

  issue(userId: string): string {
    const key = newApiKey();
    this.records.set(hashKey(key), { sha256: hashKey(key), userId, createdAt: new Date().toISOString() });
    return key;
  }

  lookup(key: string): string | undefined {
    return this.records.get(hashKey(key))?.userId;
  }

  revoke(sha256: string): void {
    this.records.delete(sha256);
  }
}
