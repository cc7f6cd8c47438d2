/**
 * The certificate audit (docs/certificates.md, "Audit"): what anyone with read access recomputes
 * from the ledger's records, with no trust in the chaincode that wrote them.
 *
 * - The issuance chain: every change of an asset's issuance cursor (an issuance or a regulator
 *   withdrawal) is logged in order; `head = sha256(previous head ‖ canonical JSON of the change)`,
 *   starting from `sha256(canonical JSON of { assetId })`. The recomputed head must be the cursor's,
 *   which only a transaction endorsed by the Regulator's peer can write.
 * - Coverage: each issuance record must be the last issuance change the chain logged for its hour,
 *   its bundles must number exactly 1..issuedWh, and a bundle the regulator withdrew must lie in a
 *   withdrawal the chain logged. Anything else was written past the Regulator's peer.
 * - The hours' accounts: bundled P2P Wh + certificate Wh in every state but withdrawn ≤ verified export.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical';
import { CertificateBundle, certificateIdOf } from './bundle';
import { IssuanceRecord } from './issuance';

/** The next head of an asset's issuance chain. */
export const chainIssuerHead = (head: string, change: unknown): string =>
  createHash('sha256').update(head, 'utf8').update(canonicalJson(change), 'utf8').digest('hex');

/** The head an asset's cursor opens with. */
export const issuerChainStart = (assetId: string): string => chainIssuerHead('', { assetId });

/** What the audit and the report read of a bundle: no holder, no claim details. */
export type AuditedBundle = Pick<
  CertificateBundle,
  | 'issuanceId'
  | 'rangeStart'
  | 'rangeEnd'
  | 'status'
  | 'deviceId'
  | 'energySource'
  | 'productionStart'
  | 'issuedAt'
  | 'expiresAt'
  | 'withdrawal'
>;

/** One logged change of a cursor: its number (1, 2, ...), what changed and the head after it. */
export interface IssuerChainEntry {
  seq: number;
  change: {
    txId?: string;
    issuance?: IssuanceRecord;
    /** A batch's records of the asset's hours (`issueBatch`: one change per asset and transaction). */
    issuances?: IssuanceRecord[];
    /** A lowered figure's withdrawal (chaincode/src/certificates/lowered.ts): the issuance record it leaves. */
    loweredFigure?: IssuanceRecord;
    withdrawal?: { issuanceId: string; rangeStart: number; rangeEnd: number };
  } & Record<string, unknown>;
  head: string;
}

export interface AuditedIssuer {
  assetId: string;
  cursor: { changes: number; head: string } | null;
  chain: readonly IssuerChainEntry[];
  issuances: readonly { record: IssuanceRecord; txIds: readonly string[] }[];
  /** Every bundle of the asset, any state. */
  bundles: readonly AuditedBundle[];
}

export interface AuditFinding {
  assetId: string;
  check: 'chain' | 'issuance' | 'bundle' | 'hour' | 'storage-share';
  /** The issuance, bundle or hour it concerns, when one. */
  subject: string | null;
  message: string;
}

function chainFindings(a: AuditedIssuer): AuditFinding[] {
  const finding = (message: string): AuditFinding => ({ assetId: a.assetId, check: 'chain', subject: null, message });
  if (a.cursor === null)
    return a.issuances.length + a.bundles.length > 0 ? [finding('certificate records exist but the asset has no issuance cursor')] : [];
  const out: AuditFinding[] = [];
  let head = issuerChainStart(a.assetId);
  for (const [k, entry] of a.chain.entries()) {
    head = chainIssuerHead(head, entry.change);
    if (entry.seq !== k + 1) out.push(finding(`change ${k + 1} of the log is numbered ${entry.seq}`));
    if (entry.head !== head) out.push(finding(`change ${entry.seq}: logged head ${entry.head} is not the recomputed ${head}`));
  }
  if (a.chain.length !== a.cursor.changes)
    out.push(finding(`the cursor counts ${a.cursor.changes} changes, the log holds ${a.chain.length}`));
  if (head !== a.cursor.head) out.push(finding(`the recomputed head ${head} is not the Regulator-endorsed head ${a.cursor.head}`));
  return out;
}

/** Whether numbers lo..hi of an issuance lie inside one withdrawal the chain logged. */
const loggedWithdrawal = (chain: readonly IssuerChainEntry[], b: AuditedBundle): boolean =>
  chain.some(
    (e) =>
      e.change.withdrawal?.issuanceId === b.issuanceId &&
      e.change.withdrawal.rangeStart <= b.rangeStart &&
      b.rangeEnd <= e.change.withdrawal.rangeEnd,
  );

function coverageFindings(a: AuditedIssuer): AuditFinding[] {
  const out: AuditFinding[] = [];
  const lastLogged = new Map<string, IssuanceRecord>();
  const loggedTx = new Set<string>();
  for (const e of a.chain) {
    // An issuance logs its record (a batch one per hour), and so does a lowered figure (the record it leaves): the newest
    // is the one that must stand.
    const { issuance, issuances = [], loweredFigure } = e.change;
    for (const logged of [issuance, ...issuances, loweredFigure]) if (logged !== undefined) lastLogged.set(logged.issuanceId, logged);
    if (e.change.txId !== undefined) loggedTx.add(e.change.txId);
  }
  const covered = new Map<string, IssuanceRecord>();
  for (const { record, txIds } of a.issuances) {
    const logged = lastLogged.get(record.issuanceId);
    const issue = (message: string) => out.push({ assetId: a.assetId, check: 'issuance', subject: record.issuanceId, message });
    if (logged === undefined || canonicalJson(logged) !== canonicalJson(record))
      issue('the issuance record is not the one the chain logged');
    else if (!txIds.every((t) => loggedTx.has(t))) issue('the issuance names a transaction the chain did not log');
    else covered.set(record.issuanceId, record);
  }
  const byIssuance = new Map<string, AuditedBundle[]>();
  for (const b of a.bundles) byIssuance.set(b.issuanceId, [...(byIssuance.get(b.issuanceId) ?? []), b]);
  for (const [issuanceId, bundles] of [...byIssuance].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    const record = covered.get(issuanceId);
    let next = 1;
    const found = out.length;
    for (const b of [...bundles].sort((x, y) => x.rangeStart - y.rangeStart)) {
      const bundle = (message: string) =>
        out.push({ assetId: a.assetId, check: 'bundle', subject: certificateIdOf(b.issuanceId, b.rangeStart), message });
      if (record === undefined) bundle('no issuance record the chain covers holds this bundle');
      else if (b.deviceId !== a.assetId) bundle(`the bundle names device ${b.deviceId}`);
      else if (b.rangeStart !== next || b.rangeEnd < b.rangeStart || b.rangeEnd > record.issuedWh)
        bundle(`numbers ${b.rangeStart}..${b.rangeEnd} are not the next of 1..${record.issuedWh} handed out`);
      else if (b.status === 'withdrawn' && b.withdrawal?.cause === 'regulator' && !loggedWithdrawal(a.chain, b))
        bundle('withdrawn by the regulator without a withdrawal the chain logged');
      next = b.rangeEnd + 1;
    }
    if (record !== undefined && out.length === found && next !== record.issuedWh + 1)
      out.push({
        assetId: a.assetId,
        check: 'issuance',
        subject: issuanceId,
        message: `bundles hold 1..${next - 1}, not 1..${record.issuedWh}`,
      });
  }
  for (const record of covered.values()) {
    if (record.issuedWh > 0 && !byIssuance.has(record.issuanceId))
      out.push({ assetId: a.assetId, check: 'issuance', subject: record.issuanceId, message: `no bundle holds 1..${record.issuedWh}` });
  }
  return out;
}

/** What is wrong with an asset's issuance chain and the records it must cover (empty: nothing). */
export function auditIssuer(a: AuditedIssuer): AuditFinding[] {
  return [...chainFindings(a), ...coverageFindings(a)];
}

/** The hours whose account does not hold: bundled P2P Wh + certificate Wh but withdrawn above the verified export. */
export function auditHourAccounts(
  accounts: readonly { assetId: string; hourStart: string; verifiedExportWh: number; bundledWh: number; certificateWh: number }[],
): AuditFinding[] {
  return accounts
    .filter((h) => h.bundledWh + h.certificateWh > h.verifiedExportWh)
    .map((h) => ({
      assetId: h.assetId,
      check: 'hour' as const,
      subject: h.hourStart,
      message: `bundled ${h.bundledWh} Wh + certificates ${h.certificateWh} Wh exceed the verified export ${h.verifiedExportWh} Wh`,
    }));
}
