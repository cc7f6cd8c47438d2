/**
 * `--signed <file>` of the walks (readings-archive, readings-chain): the signed readings a
 * household or the operator kept (a JSON array, or one JSON reading per line), checked against
 * the records the walk proved from the block store (core checkSignedReadings), each meter's key
 * read from the registry (registry:getMeter) as the walk's identity.
 */
import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { checkSignedReadings, parseMeterPublicKey, parseSignedReading, type ProvenRecord, type SignedReading } from '@gridledger/core';
import type { LedgerClient } from '@gridledger/network';

export const SIGNATURES_NOT_CHECKED =
  'not checked: a reading signs its import, which is private; --signed <file> checks the signed readings a household or the operator kept';

/** Signed readings from a file: a JSON array or JSON lines; each checked for its shape (any whole-second grid). */
export function readSignedReadings(file: string): SignedReading[] {
  const text = readFileSync(file, 'utf8').trim();
  const items: unknown[] = text.startsWith('[')
    ? (JSON.parse(text) as unknown[])
    : text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as unknown);
  return items.map((item, i) => {
    try {
      return parseSignedReading(item, 1);
    } catch (error) {
      throw new Error(`${file}: reading ${i + 1} is not a signed reading: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  });
}

/** The report's `signatures` part, and whether every signed reading was verified (true when none was given). */
export async function signaturesPart(
  client: LedgerClient,
  file: string | undefined,
  proven: readonly ProvenRecord[],
): Promise<{ signatures: unknown; verified: boolean }> {
  if (file === undefined) return { signatures: SIGNATURES_NOT_CHECKED, verified: true };
  const signed = readSignedReadings(file);
  const keys = new Map<string, KeyObject>();
  for (const meterId of [...new Set(signed.map((s) => s.meterId))].sort()) {
    try {
      const { publicKeyPem } = JSON.parse(await client.evaluate('registry:getMeter', meterId)) as { publicKeyPem: string };
      keys.set(meterId, parseMeterPublicKey(publicKeyPem));
    } catch {
      // Not registered, or not readable by this identity: its readings are KEY_UNKNOWN.
    }
  }
  const results = checkSignedReadings(proven, signed, keys);
  const verified = results.filter((r) => r.code === 'VERIFIED').length;
  return { signatures: { checked: results.length, verified, results }, verified: verified === results.length };
}
