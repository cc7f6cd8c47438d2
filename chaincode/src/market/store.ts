/**
 * What the market and credits contracts keep on the ledger, and the one overlay through which a
 * transaction changes balances: a transaction cannot read its own writes, so every account it
 * touches is loaded once, changed in memory and written once at the end.
 *
 * Keys (composite, one per entity; none is written by every transaction):
 * - glAccount~participant: available and escrowed credits of one participant
 * - glStmt~participant~number: one line of the participant's statement, numbered from 1 in commit
 *   order by the count kept on its account record (which every transaction that adds a line writes
 *   anyway, so the count adds no key that collides)
 * - glBank~txId: a deposit (issue) or withdrawal (redeem): the only changes of the total supply
 * - glUtility~community~intervalStart~entry: the utility's side of the postings of one settlement
 *   page (entry page-n) or of one correction (entry = its postingId)
 * - glCreditRef~actor~reference: a credit operation's client reference (idempotent retries)
 * - glMarket~community~effectiveFrom: market parameters in force from that instant, with the
 *   effectiveFrom of the entry before; glMarketLatest~community: the latest of them (orders read it)
 * - glMarketChange~community~number: who changed the parameters, when, from what to what; numbered
 *   from 1 in commit order by the count on glMarketLatest
 * - glOrder~community~intervalStart~bucket~orderId (bucket: the order id's first hex digit, so that a
 *   book is read in 16 range queries, each far below totalQueryLimit), glOrderBy~participant~intervalStart~orderId (index)
 * - glClientOrder~participant~clientOrderId: the order a clientOrderId placed; glOrderRef~orderId: where it is
 * - glBook~community~intervalStart~participant: a participant's side and sell energy in an interval
 * - glInterval~community~intervalStart: closed / cleared / settled, with the parameters used
 * - glIntervalDue~community~status~intervalStart: index of intervals waiting for their next step
 * - glClearing~community~intervalStart: the compact clearing record (digest, bounds, price, volume,
 *   counts); its fills and trades in pages glClearingPage~community~intervalStart~fills|trades~n
 *   (CLEARING_PAGE_ITEMS each, one page of each per clearing transaction, n zero-padded so that key
 *   order is page order)
 * - glSettlePositions~community~intervalStart: the metered positions settlement uses, fixed by its
 *   first page; glSettlePage~community~intervalStart~n: what page n applied (token transfers);
 *   glSettlePlan~community~intervalStart~n: the delivered Wh of each trade of trade page n (n ≥ 1),
 *   written by the first page
 * - glSettlement~community~intervalStart: written by the last settlement page
 * - glSettled~community~intervalStart~participant: a participant's settlement (estimated or not)
 * - glPosting~community~intervalStart~postingId: every settlement posting under its own id
 */
import { Context } from 'fabric-contract-api';
import { CLEARING_PAGE_ITEMS, ErrorCodes, GridLedgerError, safeMicros } from '@gridledger/core';
import { getRecord, putRecord, seqKeyPart, txInstant } from '../ledger';

export const MarketKeys = {
  account: 'glAccount',
  statement: 'glStmt',
  bank: 'glBank',
  utility: 'glUtility',
  creditRef: 'glCreditRef',
  params: 'glMarket',
  paramsLatest: 'glMarketLatest',
  paramsChange: 'glMarketChange',
  order: 'glOrder',
  orderBy: 'glOrderBy',
  clientOrder: 'glClientOrder',
  orderRef: 'glOrderRef',
  book: 'glBook',
  interval: 'glInterval',
  intervalDue: 'glIntervalDue',
  clearing: 'glClearing',
  clearingPage: 'glClearingPage',
  settlePositions: 'glSettlePositions',
  settlePage: 'glSettlePage',
  settlePlan: 'glSettlePlan',
  settlement: 'glSettlement',
  settled: 'glSettled',
  posting: 'glPosting',
} as const;

/** The settlement bank's account id (buyer and seller of last resort, receiver of the grid fee): a reserved participant id. */
export { UTILITY_ACCOUNT } from '@gridledger/core';

export function mkey(ctx: Context, type: (typeof MarketKeys)[keyof typeof MarketKeys], ...attributes: string[]): string {
  return ctx.stub.createCompositeKey(type, attributes);
}

export interface Account {
  participantId: string;
  availableMicros: number;
  escrowMicros: number;
}

export interface StatementLine {
  participantId: string;
  /** The line's number in the participant's statement, from 1, in commit order. */
  number: number;
  at: string;
  txId: string;
  /** What moved: deposit, withdrawal, transfer-in/out, escrow, escrow-release, or a posting reason. */
  kind: string;
  /** Change of the available balance (negative: out). */
  availableMicros: number;
  /** Change of the escrowed balance. */
  escrowMicros: number;
  ref: string;
}

/** An account as stored: the balances and how many statement lines it has. */
interface AccountRecord extends Account {
  statementLines: number;
}

async function readAccountRecord(ctx: Context, participantId: string): Promise<AccountRecord> {
  const record = await getRecord<AccountRecord>(ctx, mkey(ctx, MarketKeys.account, participantId));
  return record ?? { participantId, availableMicros: 0, escrowMicros: 0, statementLines: 0 };
}

export async function readAccount(ctx: Context, participantId: string): Promise<Account> {
  const { statementLines: _lines, ...account } = await readAccountRecord(ctx, participantId);
  return account;
}

/** A statement line's key: the line number zero-padded, so that key order is line order. */
const statementKey = (ctx: Context, participantId: string, number: number): string => mkey(ctx, MarketKeys.statement, participantId, seqKeyPart(number));

/** The accounts one transaction touches; flush() writes each once, with its statement lines. */
export class AccountOverlay {
  private readonly accounts = new Map<string, Account>();
  private readonly statementLines = new Map<string, number>();
  private readonly lines: StatementLine[] = [];

  constructor(private readonly ctx: Context) {}

  async get(participantId: string): Promise<Account> {
    let account = this.accounts.get(participantId);
    if (account === undefined) {
      const { statementLines, ...rest } = await readAccountRecord(this.ctx, participantId);
      account = rest;
      this.accounts.set(participantId, account);
      this.statementLines.set(participantId, statementLines);
    }
    return account;
  }

  /** Moves money in or out of a participant's available and escrowed credits, exactly or not at all. */
  async change(participantId: string, kind: string, ref: string, availableMicros: number, escrowMicros = 0): Promise<Account> {
    const account = await this.get(participantId);
    account.availableMicros = safeMicros(BigInt(account.availableMicros) + BigInt(availableMicros), `the available balance of ${participantId}`);
    account.escrowMicros = safeMicros(BigInt(account.escrowMicros) + BigInt(escrowMicros), `the escrow of ${participantId}`);
    if (account.escrowMicros < 0) throw new GridLedgerError(ErrorCodes.INTERNAL, `escrow of ${participantId} would turn negative`);
    const number = (this.statementLines.get(participantId) ?? 0) + 1;
    this.statementLines.set(participantId, number);
    this.lines.push({ participantId, number, at: txInstant(this.ctx), txId: this.ctx.stub.getTxID(), kind, availableMicros, escrowMicros, ref });
    return account;
  }

  /** Refuses (INSUFFICIENT_CREDITS) when the participant's available credits are below `micros`. */
  async requireAvailable(participantId: string, micros: number): Promise<void> {
    const account = await this.get(participantId);
    if (account.availableMicros < micros) {
      throw new GridLedgerError(ErrorCodes.INSUFFICIENT_CREDITS, `${micros} µ needed, ${account.availableMicros} µ available`, {
        participantId,
        neededMicros: micros,
        availableMicros: account.availableMicros,
      });
    }
  }

  async flush(): Promise<void> {
    for (const id of [...this.accounts.keys()].sort()) {
      const record: AccountRecord = { ...(this.accounts.get(id) as Account), statementLines: this.statementLines.get(id) ?? 0 };
      await putRecord(this.ctx, mkey(this.ctx, MarketKeys.account, id), record);
    }
    for (const line of this.lines) await putRecord(this.ctx, statementKey(this.ctx, line.participantId, line.number), line);
  }
}

/**
 * Page sizes of new clearings (the core's CLEARING_PAGE_ITEMS); a clearing records its own, so
 * that its later pages slice as its first did. Changed only by tests (small books in many pages).
 */
export const marketLimits = { clearingPageItems: CLEARING_PAGE_ITEMS };

/** An order's key: under its bucket, the first hex digit of its id (`o` + 32 hex digits). */
export function orderKey(ctx: Context, communityId: string, intervalStart: string, orderId: string): string {
  return mkey(ctx, MarketKeys.order, communityId, intervalStart, orderId.charAt(1), orderId);
}

/** The 16 buckets of order ids. */
const ORDER_BUCKETS = '0123456789abcdef'.split('');

/**
 * Every order of an interval, in key order: 16 range queries, one per bucket, so that no range
 * query comes near Fabric's totalQueryLimit (100,000 results) even at 100,000 orders.
 */
export async function readBook<T>(ctx: Context, communityId: string, intervalStart: string): Promise<T[]> {
  const out: T[] = [];
  for (const bucket of ORDER_BUCKETS) out.push(...(await readAll<T>(ctx, MarketKeys.order, [communityId, intervalStart, bucket])).map((e) => e.value));
  return out;
}

/** A page number as a key attribute whose key order is the page order. */
export const pageKey = (page: number): string => String(page).padStart(6, '0');

/** Reads every value of a partial composite key (in key order). */
export async function readAll<T>(ctx: Context, type: string, attributes: string[]): Promise<{ key: string; value: T }[]> {
  const out: { key: string; value: T }[] = [];
  for await (const entry of ctx.stub.getStateByPartialCompositeKey(type, attributes)) {
    out.push({ key: entry.key, value: JSON.parse(Buffer.from(entry.value).toString('utf8')) as T });
  }
  return out;
}

/** One page of a partial composite key, for queries (Fabric allows pagination in evaluations only). */
export async function readPage<T>(ctx: Context, type: string, attributes: string[], pageSize: number, bookmark: string): Promise<{ items: T[]; bookmark: string }> {
  const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(type, attributes, pageSize, bookmark);
  const items: T[] = [];
  for (;;) {
    const r = await iterator.next();
    if (r.value) items.push(JSON.parse(Buffer.from(r.value.value).toString('utf8')) as T);
    if (r.done) break;
  }
  await iterator.close();
  return { items, bookmark: metadata?.bookmark ?? '' };
}
