/** The gateway's proof of a certificate (provenance.ts): signatures checked again, every transaction named once with its block. */
import { generateKeyPairSync, sign } from 'node:crypto';
import { readingSignedBytes } from '@gridledger/core';
import { proofOf } from '../src/provenance';
import type { LedgerPort } from '../src/ports';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

function reading(intervalStart: string, txId: string, exportWh: number) {
  const r = { meterId: 'm-1', intervalStart, seq: 1, importWh: 3, exportWh, importRegisterWh: 3, exportRegisterWh: exportWh };
  return { ...r, txId, sig: sign('sha256', readingSignedBytes(r), { key: privateKey, dsaEncoding: 'der' }).toString('base64') };
}

const blocks: Record<string, bigint> = { tv: 4n, tr: 7n, ti: 9n, ta: 12n };
const asked: string[] = [];
const ledger = {
  transactionBlock: async (txId: string) => {
    asked.push(txId);
    return blocks[txId];
  },
} as unknown as LedgerPort;
const evidence = () => ({
  asset: { assetId: 'pv', meterId: 'm-1', verification: { verifiedBy: 'reg', verifiedAt: '2026-11-01T00:00:00Z', txId: 'tv' } },
  meter: { meterId: 'm-1', publicKeyPem },
  // Two readings of one transaction.
  readings: [reading('2026-11-21T10:00:00Z', 'tr', 5), reading('2026-11-21T10:15:00Z', 'tr', 6)],
});

describe('proofOf', () => {
  it('verifies every signature again and names each transaction once, with its block', async () => {
    asked.length = 0;
    const proof = await proofOf(ledger, evidence(), ['ti'], false);
    expect(proof.readings.map((r) => r.signatureVerified)).toEqual([true, true]);
    expect(proof.signaturesVerified).toBe(true);
    expect(proof.transactions).toEqual([
      { txId: 'ti', kind: 'issuance', blockNumber: 9 },
      { txId: 'tv', kind: 'verification', blockNumber: 4 },
      { txId: 'tr', kind: 'reading', blockNumber: 7 },
    ]);
    expect(asked).toEqual(['ti', 'tv', 'tr']);
  });

  it('says so when one reading does not verify', async () => {
    const e = evidence();
    e.readings[1] = { ...e.readings[1], exportWh: 60 };
    const proof = await proofOf(ledger, e, ['ti'], false);
    expect(proof.readings.map((r) => r.signatureVerified)).toEqual([true, false]);
    expect(proof.signaturesVerified).toBe(false);
  });

  it('gives public parts only when asked: nothing to verify, no import, no signature', async () => {
    const proof = await proofOf(ledger, evidence(), ['ti'], true);
    expect(proof.signaturesVerified).toBeNull();
    expect(JSON.stringify(proof.readings)).not.toMatch(/importWh|"sig"|signedPayload":"/);
  });

  it("names an archived hour's record and its last archive transaction instead of readings", async () => {
    const archive = { hour: '2026-11-21T10', count: 40, root: 'ab'.repeat(32), lastTxId: 'ta', done: true };
    const proof = await proofOf(ledger, { ...evidence(), readings: [], archive }, ['ti'], true);
    expect(proof.archive).toEqual(archive);
    expect(proof.signaturesVerified).toBeNull();
    expect(proof.transactions).toContainEqual({ txId: 'ta', kind: 'archive', blockNumber: 12 });
  });

  it('leaves block numbers null with a ledger that cannot name them', async () => {
    const proof = await proofOf({} as LedgerPort, evidence(), ['ti'], false);
    expect(proof.transactions.map((t) => t.blockNumber)).toEqual([null, null, null]);
  });
});
