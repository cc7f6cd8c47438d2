/**
 * The one part of node:crypto the core's market rules use (SHA-256 of a book's canonical text, as
 * hex) for the browser, where the bundle maps `node:crypto` here (vite.config.ts): the audit then
 * recomputes the recorded inputDigest with the very code the chaincode runs.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

export function createHash(algorithm: string) {
  if (algorithm !== 'sha256') throw new Error(`only sha256 in the browser, not ${algorithm}`);
  const hash = sha256.create();
  const api = {
    update(data: string | Uint8Array) {
      hash.update(typeof data === 'string' ? utf8ToBytes(data) : data);
      return api;
    },
    digest(encoding: 'hex') {
      if (encoding !== 'hex') throw new Error(`only hex digests in the browser, not ${encoding}`);
      return bytesToHex(hash.digest());
    },
  };
  return api;
}
