/**
 * The certificate audit and the regulator's report, gathered page by page from the ledger's
 * records (docs/certificates.md, "Audit" and "The regulator's report"). The same code runs in the
 * gateway (reading with the caller's identity) and in `npm run audit -- certificates` (reading
 * through a gateway's REST routes): a reader says how to fetch, core says what the figures are.
 */
import {
  AuditedBundle,
  auditHourAccounts,
  AuditFinding,
  auditIssuer,
  CertificateAction,
  CertificateReport,
  certificateReport,
  ErrorCodes,
  GridLedgerError,
  HOUR_SECONDS,
  IssuanceRecord,
  IssuerChainEntry,
  MarketPeriodFigures,
  auditStorageShares,
  contractHours,
  parseHourStart,
  RecordedMatchingTotals,
  ReportIssuer,
  StorageChargeRecord,
  StorageShareInputs,
} from '@gridledger/core';
import { formatInstant } from '@gridledger/core/core';

interface Paged<T> {
  items: T[];
  bookmark: string;
}
export type IssuerItem = ReportIssuer & { changes: number; head: string };
export type RecordsRequest = { assetId: string; records: 'chain' | 'issuances' | 'bundles'; from?: string; to?: string; bookmark?: string };

/** How the records are fetched: the gateway calls the chaincode, the audit command the REST routes. */
export interface CertificateReader {
  issuers(bookmark: string): Promise<Paged<IssuerItem>>;
  records(request: RecordsRequest): Promise<Paged<unknown> & { cursor: { changes: number; head: string } | null }>;
  accounts(request: { assetId: string; from: string; to: string }): Promise<{
    items: { assetId: string; hourStart: string; verifiedExportWh: number; bundledWh: number; certificateWh: number }[];
    skipped: { hourStart: string; code: string }[];
  }>;
  actions(request: { from: string; to: string; bookmark?: string }): Promise<Paged<CertificateAction>>;
  /** A community's market figures of [from, to); null when it has no market. */
  figures(communityId: string, from: string, to: string): Promise<MarketPeriodFigures | null>;
  /** A community's recorded matching days of [from, to) (whole UTC days): certificates:getRecordedMatching. */
  matching(communityId: string, from: string, to: string): Promise<RecordedMatchingAnswer>;
  /** A battery's storage charge records, and the inputs of its contracts' shares of an hour (undefined: the key may not read them). */
  storage?: {
    charges(assetId: string): Promise<StorageChargeRecord[]>;
    shareInputs(assetId: string, hourStart: string): Promise<StorageShareInputs | undefined>;
  };
}

/** The part of certificates:getRecordedMatching's answer the report reads. */
export interface RecordedMatchingAnswer {
  periodStart: string;
  periodEnd: string;
  daysInPeriod: number;
  days: unknown[];
  consumptionWh: number;
  matchedWh: number;
}

const DAY_SECONDS = 86_400;

/** The longest report period: a quarter (92 days) of hours. */
export const MAX_REPORT_HOURS = 92 * 24;
/** Hours per getHourAccounts call and per market figures call (240 intervals of 60 s fit the figures' 288). */
const ACCOUNT_HOURS = 168;
const FIGURE_HOURS = 4;

async function allPages<T>(page: (bookmark: string) => Promise<Paged<T>>): Promise<T[]> {
  const out: T[] = [];
  let bookmark = '';
  do {
    const answer = await page(bookmark);
    out.push(...answer.items);
    bookmark = answer.bookmark;
  } while (bookmark !== '');
  return out;
}

/** `{ from, to }` on the hour, to after from, at most MAX_REPORT_HOURS apart. */
export function reportPeriod(from: unknown, to: unknown): { from: string; to: string } {
  const start = parseHourStart(String(from), 'from');
  const end = parseHourStart(String(to), 'to');
  if (end <= start || end - start > MAX_REPORT_HOURS * HOUR_SECONDS)
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `to must be after from, at most ${MAX_REPORT_HOURS} hours`, { field: 'to' });
  return { from: String(from), to: String(to) };
}

async function issuersIn(reader: CertificateReader, communityId: string | null): Promise<IssuerItem[]> {
  const all = await allPages((b) => reader.issuers(b));
  return communityId === null ? all : all.filter((i) => i.communityId === communityId);
}

const records = <T>(reader: CertificateReader, request: Omit<RecordsRequest, 'bookmark'>) =>
  allPages(async (bookmark) => (await reader.records({ ...request, bookmark })) as Paged<T>);

/** The regulator's report of [from, to) (and one community, when named), as of `asOf`. */
export async function gatherReport(
  reader: CertificateReader,
  scope: { from: string; to: string; communityId: string | null; asOf: string },
): Promise<CertificateReport> {
  const { from, to, communityId } = scope;
  const issuers = await issuersIn(reader, communityId);
  const issuances: IssuanceRecord[] = [];
  const bundles: AuditedBundle[] = [];
  for (const { assetId } of issuers) {
    issuances.push(
      ...(await records<{ record: IssuanceRecord }>(reader, { assetId, records: 'issuances', from, to })).map((i) => i.record),
    );
    bundles.push(...(await records<AuditedBundle>(reader, { assetId, records: 'bundles', from, to })));
  }
  const actions = await allPages((bookmark) => reader.actions({ from, to, bookmark }));
  let market: MarketPeriodFigures[] | null = null;
  if (communityId !== null) {
    market = [];
    for (let t = parseHourStart(from); t < parseHourStart(to) && market !== null; t += FIGURE_HOURS * HOUR_SECONDS) {
      const chunk = await reader.figures(
        communityId,
        formatInstant(t),
        formatInstant(Math.min(t + FIGURE_HOURS * HOUR_SECONDS, parseHourStart(to))),
      );
      market = chunk === null ? null : [...market, chunk];
    }
  }
  // The matched share over the whole UTC days in the period, from the days recorded for the regulator.
  let matching: RecordedMatchingTotals | null = null;
  const firstDay = Math.ceil(parseHourStart(from) / DAY_SECONDS) * DAY_SECONDS;
  const endDay = Math.floor(parseHourStart(to) / DAY_SECONDS) * DAY_SECONDS;
  if (communityId !== null && endDay > firstDay) {
    const m = await reader.matching(communityId, formatInstant(firstDay), formatInstant(endDay));
    const { periodStart, periodEnd, daysInPeriod, consumptionWh, matchedWh } = m;
    matching = { periodStart, periodEnd, daysInPeriod, daysRecorded: m.days.length, consumptionWh, matchedWh };
  }
  return certificateReport({
    ...scope,
    matching,
    issuers: issuers.map(({ assetId, producerId, source, communityId: c }) => ({ assetId, producerId, source, communityId: c })),
    issuances,
    bundles,
    actions,
    market,
  });
}

export interface CertificateAuditResult {
  assets: number;
  hoursChecked: number;
  /** Hours without a verified figure yet (a window open, an estimated reading): not checked. */
  hoursSkipped: number;
  /** Storage contracts' hours whose share was recomputed, and those whose inputs the key may not read (a regulator's). */
  sharesChecked: number;
  sharesSkipped: number;
  findings: AuditFinding[];
}

/** The hour windows of ACCOUNT_HOURS that hold the given hours (sorted starts), or the one period. */
function accountWindows(hours: readonly number[], period: { from: string; to: string } | undefined): [number, number][] {
  const windows: [number, number][] = [];
  if (period !== undefined) {
    const end = parseHourStart(period.to);
    for (let t = parseHourStart(period.from); t < end; t += ACCOUNT_HOURS * HOUR_SECONDS)
      windows.push([t, Math.min(end, t + ACCOUNT_HOURS * HOUR_SECONDS)]);
    return windows;
  }
  for (const h of hours) {
    if (windows.length > 0 && h < windows[windows.length - 1][1]) continue;
    windows.push([h, Math.min(h + ACCOUNT_HOURS * HOUR_SECONDS, hours[hours.length - 1] + HOUR_SECONDS)]);
  }
  return windows;
}

/**
 * The certificate audit: each asset's chain recomputed and its records covered, and the account
 * of each hour of the period (without one: the hours the asset has issuance records for).
 */
export async function gatherAudit(
  reader: CertificateReader,
  scope: { communityId: string | null; period?: { from: string; to: string } },
): Promise<CertificateAuditResult> {
  const issuers = await issuersIn(reader, scope.communityId);
  const result: CertificateAuditResult = {
    assets: issuers.length,
    hoursChecked: 0,
    hoursSkipped: 0,
    sharesChecked: 0,
    sharesSkipped: 0,
    findings: [],
  };
  for (const { assetId, source } of issuers) {
    let cursor: { changes: number; head: string } | null = null;
    const chain = await allPages(async (bookmark) => {
      const page = await reader.records({ assetId, records: 'chain', bookmark });
      cursor = page.cursor;
      return page as Paged<IssuerChainEntry>;
    });
    const issuances = await records<{ record: IssuanceRecord; txIds: string[] }>(reader, { assetId, records: 'issuances' });
    const bundles = await records<AuditedBundle>(reader, { assetId, records: 'bundles' });
    result.findings.push(...auditIssuer({ assetId, cursor, chain, issuances, bundles }));
    const hours = [...new Set(issuances.map((i) => parseHourStart(i.record.hourStart)))].sort((x, y) => x - y);
    for (const [from, to] of accountWindows(hours, scope.period)) {
      const accounts = await reader.accounts({ assetId, from: formatInstant(from), to: formatInstant(to) });
      result.hoursChecked += accounts.items.length;
      result.hoursSkipped += accounts.skipped.length;
      result.findings.push(...auditHourAccounts(accounts.items));
    }
    if (source === 'storage' && reader.storage !== undefined) await auditShares(reader.storage, assetId, result);
  }
  return result;
}

/** A battery's storage contract records: each contract's share of each hour recomputed from the ledger's inputs. */
async function auditShares(
  storage: NonNullable<CertificateReader['storage']>,
  assetId: string,
  result: CertificateAuditResult,
): Promise<void> {
  const records = await storage.charges(assetId);
  const groups = contractHours(records);
  const inputs = new Map<string, StorageShareInputs>();
  for (const hourStart of new Set(groups.map((g) => g.hourStart))) {
    const read = await storage.shareInputs(assetId, hourStart);
    if (read !== undefined) inputs.set(hourStart, read);
  }
  const audited = auditStorageShares(assetId, records, (h) => inputs.get(h));
  result.sharesChecked += audited.checked;
  result.sharesSkipped += groups.length - audited.checked;
  result.findings.push(...audited.findings);
}
