import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readingSignedBytes, type Reading, type SignedReading } from '@gridledger/core';

/** Where the design puts a simulated meter's private key: `<stateDir>/meters/<meterId>.pem`. */
export const meterKeyPath = (stateDir: string, meterId: string) => join(stateDir, 'meters', `${meterId}.pem`);

/**
 * Makes each meter's ECDSA P-256 key if it is missing, in the form `openssl ecparam -genkey
 * -noout` writes (SEC1 "EC PRIVATE KEY" PEM, mode 0600), and returns every meter's public key
 * (SPKI PEM, what `openssl ec -pubout` prints and the ledger registers).
 */
export function ensureMeterKeys(stateDir: string, meterIds: readonly string[]): Record<string, string> {
  mkdirSync(join(stateDir, 'meters'), { recursive: true, mode: 0o700 });
  const publicPems: Record<string, string> = {};
  for (const meterId of meterIds) {
    const path = meterKeyPath(stateDir, meterId);
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(readFileSync(path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      privateKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
      // 'wx': never overwrite a key another process wrote meanwhile.
      writeFileSync(path, privateKey.export({ format: 'pem', type: 'sec1' }), { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
    }
    publicPems[meterId] = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
  }
  return publicPems;
}

export function loadMeterKey(stateDir: string, meterId: string): KeyObject {
  return createPrivateKey(readFileSync(meterKeyPath(stateDir, meterId)));
}

/** Signs as the openssl recipe in docs/metering.md does: ECDSA P-256 over SHA-256 of the canonical JSON, DER, base64. */
export function signReading(reading: Reading, key: KeyObject): SignedReading {
  const sig = sign('sha256', readingSignedBytes(reading), { key, dsaEncoding: 'der' }).toString('base64');
  return { ...reading, sig };
}
