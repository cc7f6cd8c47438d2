/**
 * Provenance of a certificate at the gateway (docs/certificates.md, "Provenance"): the chaincode's
 * evidence (getProvenance, or verifyCertificate's public proof), each reading's signature checked
 * again here with the meter's registered key (core's readingEvidence), and the block number of
 * every transaction named, from the peer (qscc GetBlockByTxID).
 */
import { readingEvidence, type ReadingEvidence } from '@gridledger/core';
import type { LedgerPort } from './ports';

type ChaincodeEvidence = {
  asset: { assetId: string; meterId: string; verification: { verifiedBy: string; verifiedAt: string; txId: string } | null };
  meter: { meterId: string; publicKeyPem: string };
  readings: Parameters<typeof readingEvidence>[0][];
  /** The hour's archive record once its readings left the state (docs/bounded-state.md). */
  archive?: { hour: string; count: number; root: string; lastTxId: string; done: boolean };
};

export interface Proof {
  asset: ChaincodeEvidence['asset'];
  meter: ChaincodeEvidence['meter'];
  readings: ReadingEvidence[];
  archive?: ChaincodeEvidence['archive'];
  /** Whether every reading's signature verified; null when none could be checked (public parts only). */
  signaturesVerified: boolean | null;
  /** Every transaction the proof names, with the block that holds it (null where the gateway cannot ask its peer). */
  transactions: { txId: string; kind: 'issuance' | 'verification' | 'reading' | 'archive'; blockNumber: number | null }[];
}

/** The proof of `evidence`: readings re-verified (none when `publicOnly`), transactions with their block numbers. */
export async function proofOf(
  ledger: LedgerPort,
  evidence: ChaincodeEvidence,
  issuanceTxIds: readonly string[],
  publicOnly: boolean,
): Promise<Proof> {
  const readings = evidence.readings.map((r) => readingEvidence(r, evidence.meter.publicKeyPem, publicOnly));
  const checked = readings.filter((r) => r.signatureVerified !== null);
  const named: Proof['transactions'] = [
    ...issuanceTxIds.map((txId) => ({ txId, kind: 'issuance' as const, blockNumber: null })),
    ...(evidence.asset.verification === null
      ? []
      : [{ txId: evidence.asset.verification.txId, kind: 'verification' as const, blockNumber: null }]),
    ...readings.map((r) => ({ txId: r.txId, kind: 'reading' as const, blockNumber: null })),
    // An archived hour: its last archive page, whose event names the pages before (prevTxId).
    ...(evidence.archive === undefined ? [] : [{ txId: evidence.archive.lastTxId, kind: 'archive' as const, blockNumber: null }]),
  ];
  const transactions = named.filter((t, i) => named.findIndex((u) => u.txId === t.txId) === i);
  const blockOf = ledger.transactionBlock?.bind(ledger);
  for (const t of transactions) if (blockOf !== undefined) t.blockNumber = Number(await blockOf(t.txId));
  return {
    asset: evidence.asset,
    meter: evidence.meter,
    readings,
    ...(evidence.archive !== undefined ? { archive: evidence.archive } : {}),
    signaturesVerified: checked.length === 0 ? null : checked.every((r) => r.signatureVerified === true),
    transactions,
  };
}
