/**
 * The regulator's certificate report (docs/certificates.md, "The regulator's report"): for a period
 * and optionally one community, per producer and source, from the ledger's records only.
 *
 * - Certificates of the period's production hours (their vintage), by their state at `asOf`:
 *   issued (every number handed out), expired, withdrawn, still active or reserved.
 * - Transfers and claims by their transaction's time in the period, from the ledger's action
 *   index (`certAction~hour~txId`, one key per transaction: no hot key).
 * - The community's P2P volumes and prices (the market's period figures, summed over chunks), the
 *   renewable share of its consumption: (bundled P2P Wh of the issued hours + Wh claimed in the
 *   period) / consumption of its settled intervals.
 * Every figure is a sum of integers: the audit recomputes the same report from the same records.
 */
import { averageOf, AveragePrice, Ratio, ratioOf } from '../market/figures';
import { effectiveStatus } from './bundle';
import { AuditedBundle } from './audit';
import { IssuanceRecord } from './issuance';

/** One transfer or claim, as the acting transaction indexes it under its own hour. */
export interface CertificateAction {
  kind: 'transfer' | 'claim';
  at: string;
  txId: string;
  issuanceId: string;
  assetId: string;
  producerId: string;
  source: string;
  quantityWh: number;
}

/** An asset with an issuance cursor, as the report groups it. */
export interface ReportIssuer {
  assetId: string;
  producerId: string;
  source: string;
  communityId: string;
}

/** The part of a market period figures answer the report sums. */
export interface MarketPeriodFigures {
  intervals: number;
  notSettled: readonly string[];
  spotVolumeWh: number;
  contractVolumeWh: number;
  p2pVolumeWh: number;
  consumptionWh: number;
  clearingPrice: AveragePrice;
  averageP2pPrice: AveragePrice;
}

export interface CertificateReportInput {
  from: string;
  to: string;
  communityId: string | null;
  asOf: string;
  /** The assets in scope (of the community when one is named). */
  issuers: readonly ReportIssuer[];
  /** Issuance records and bundles of the in-scope assets' production hours in [from, to). */
  issuances: readonly IssuanceRecord[];
  bundles: readonly AuditedBundle[];
  /** Transfers and claims of any asset whose transaction time is in [from, to). */
  actions: readonly CertificateAction[];
  /** The community's period figures in consecutive chunks; null without a community or market. */
  market: readonly MarketPeriodFigures[] | null;
  /**
   * The community's recorded matching days (totals, no household's hours) of the whole UTC days in
   * the period; null without a community or a whole day.
   */
  matching?: RecordedMatchingTotals | null;
}

/** What a community's recorded matching days add up to (certificates:getRecordedMatching). */
export interface RecordedMatchingTotals {
  periodStart: string;
  periodEnd: string;
  daysInPeriod: number;
  daysRecorded: number;
  consumptionWh: number;
  matchedWh: number;
}

export interface ProducerFigures {
  producerId: string;
  source: string;
  assets: number;
  issuedWh: number;
  activeWh: number;
  expiredWh: number;
  withdrawnWh: number;
  transfers: number;
  transferredWh: number;
  claims: number;
  claimedWh: number;
}

export type CertificateFigures = Omit<ProducerFigures, 'producerId' | 'source'>;

export interface CertificateReport {
  from: string;
  to: string;
  communityId: string | null;
  asOf: string;
  producers: ProducerFigures[];
  totals: CertificateFigures;
  market: (Omit<MarketPeriodFigures, 'notSettled'> & { notSettled: string[] }) | null;
  renewableShare: { bundledWh: number; claimedWh: number; consumptionWh: number; share: Ratio } | null;
  /**
   * The matched (24/7) share of the community's consumption over the whole UTC days in the period,
   * from the matching days recorded on the channel: matched Wh / consumption Wh of the recorded days.
   * Null without a community or a whole day in the period.
   */
  matchedShare: (RecordedMatchingTotals & { share: Ratio }) | null;
}

const FIGURES = [
  'assets',
  'issuedWh',
  'activeWh',
  'expiredWh',
  'withdrawnWh',
  'transfers',
  'transferredWh',
  'claims',
  'claimedWh',
] as const;
const zero = (): CertificateFigures => ({
  assets: 0,
  issuedWh: 0,
  activeWh: 0,
  expiredWh: 0,
  withdrawnWh: 0,
  transfers: 0,
  transferredWh: 0,
  claims: 0,
  claimedWh: 0,
});

const sizeOf = (b: AuditedBundle): number => b.rangeEnd - b.rangeStart + 1;
const compare = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

function sumMarket(chunks: readonly MarketPeriodFigures[]): NonNullable<CertificateReport['market']> {
  const add = (pick: (f: MarketPeriodFigures) => number) => chunks.reduce((s, f) => s + pick(f), 0);
  const price = (pick: (f: MarketPeriodFigures) => AveragePrice, what: string) =>
    averageOf(
      chunks.reduce((s, f) => s + BigInt(pick(f).weightedSum), 0n),
      chunks.reduce((s, f) => s + BigInt(pick(f).energyWh), 0n),
      what,
    );
  return {
    intervals: add((f) => f.intervals),
    notSettled: chunks.flatMap((f) => f.notSettled),
    spotVolumeWh: add((f) => f.spotVolumeWh),
    contractVolumeWh: add((f) => f.contractVolumeWh),
    p2pVolumeWh: add((f) => f.p2pVolumeWh),
    consumptionWh: add((f) => f.consumptionWh),
    clearingPrice: price((f) => f.clearingPrice, 'the spot value'),
    averageP2pPrice: price((f) => f.averageP2pPrice, 'the P2P value'),
  };
}

export function certificateReport(input: CertificateReportInput): CertificateReport {
  const inScope = new Map(input.issuers.map((i) => [i.assetId, i]));
  const rows = new Map<string, ProducerFigures>();
  const rowOf = (i: ReportIssuer): ProducerFigures => {
    const k = `${i.producerId}\n${i.source}`;
    if (!rows.has(k)) rows.set(k, { producerId: i.producerId, source: i.source, ...zero() });
    return rows.get(k)!;
  };
  for (const i of input.issuers) rowOf(i).assets += 1;
  const inPeriod = (at: string) => input.from <= at && at < input.to;
  for (const b of input.bundles) {
    const issuer = inScope.get(b.deviceId);
    if (issuer === undefined || !inPeriod(b.productionStart)) continue;
    const row = rowOf(issuer);
    row.issuedWh += sizeOf(b);
    const status = effectiveStatus(b, input.asOf);
    if (status === 'expired') row.expiredWh += sizeOf(b);
    if (status === 'withdrawn') row.withdrawnWh += sizeOf(b);
    if (status === 'active' || status === 'reserved') row.activeWh += sizeOf(b);
  }
  let claimedWh = 0;
  for (const a of input.actions) {
    const issuer = inScope.get(a.assetId);
    if (issuer === undefined || !inPeriod(a.at)) continue;
    const row = rowOf(issuer);
    if (a.kind === 'transfer') {
      row.transfers += 1;
      row.transferredWh += a.quantityWh;
    } else {
      row.claims += 1;
      row.claimedWh += a.quantityWh;
      claimedWh += a.quantityWh;
    }
  }
  const producers = [...rows.values()].sort((x, y) => compare(x.producerId, y.producerId) || compare(x.source, y.source));
  const totals = zero();
  for (const row of producers) for (const f of FIGURES) totals[f] += row[f];
  const market = input.market === null ? null : sumMarket(input.market);
  const bundledWh = input.issuances.filter((r) => inScope.has(r.assetId) && inPeriod(r.hourStart)).reduce((s, r) => s + r.bundledWh, 0);
  const renewableShare =
    market === null
      ? null
      : {
          bundledWh,
          claimedWh,
          consumptionWh: market.consumptionWh,
          share: ratioOf(BigInt(bundledWh + claimedWh), BigInt(market.consumptionWh), 'the renewable share'),
        };
  const m = input.matching ?? null;
  const matchedShare = m === null ? null : { ...m, share: ratioOf(BigInt(m.matchedWh), BigInt(m.consumptionWh), 'the matched share') };
  const { from, to, communityId, asOf } = input;
  return { from, to, communityId, asOf, producers, totals, market, renewableShare, matchedShare };
}

const cell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The report as CSV, one figure a line: `section,producerId,source,figure,value` (RFC 4180, CRLF). */
export function certificateReportCsv(r: CertificateReport): string {
  const lines: unknown[][] = [['section', 'producerId', 'source', 'figure', 'value']];
  for (const [k, v] of Object.entries({ from: r.from, to: r.to, communityId: r.communityId, asOf: r.asOf }))
    lines.push(['scope', '', '', k, v]);
  for (const p of r.producers) for (const f of FIGURES) lines.push(['producer', p.producerId, p.source, f, p[f]]);
  for (const f of FIGURES) lines.push(['total', '', '', f, r.totals[f]]);
  if (r.market !== null) {
    const m = r.market;
    for (const f of ['intervals', 'spotVolumeWh', 'contractVolumeWh', 'p2pVolumeWh', 'consumptionWh'] as const)
      lines.push(['market', '', '', f, m[f]]);
    lines.push(['market', '', '', 'notSettled', m.notSettled.length]);
    lines.push(['market', '', '', 'clearingPriceMicrosPerKwh', m.clearingPrice.microsPerKwh]);
    lines.push(['market', '', '', 'averageP2pPriceMicrosPerKwh', m.averageP2pPrice.microsPerKwh]);
  }
  if (r.renewableShare !== null) {
    const s = r.renewableShare;
    for (const f of ['bundledWh', 'claimedWh', 'consumptionWh'] as const) lines.push(['renewableShare', '', '', f, s[f]]);
    lines.push(['renewableShare', '', '', 'sharePpm', s.share.ppm]);
  }
  if (r.matchedShare !== null) {
    const s = r.matchedShare;
    for (const f of ['daysInPeriod', 'daysRecorded', 'consumptionWh', 'matchedWh'] as const) lines.push(['matchedShare', '', '', f, s[f]]);
    lines.push(['matchedShare', '', '', 'sharePpm', s.share.ppm]);
  }
  return lines.map((l) => l.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Where a recomputed report differs from a saved one: dotted paths with both values (empty: none). */
export function reportDifferences(saved: unknown, recomputed: unknown, path = ''): { path: string; saved: unknown; recomputed: unknown }[] {
  if (typeof saved === 'object' && saved !== null && typeof recomputed === 'object' && recomputed !== null) {
    const keys = [...new Set([...Object.keys(saved), ...Object.keys(recomputed)])].sort(compare);
    return keys.flatMap((k) =>
      reportDifferences(
        (saved as Record<string, unknown>)[k],
        (recomputed as Record<string, unknown>)[k],
        path === '' ? k : `${path}.${k}`,
      ),
    );
  }
  return saved === recomputed ? [] : [{ path, saved, recomputed }];
}
