/**
 * Long-term bilateral contracts: a seller and a buyer agree on a fixed price for a fixed volume in
 * every market interval of a daily time window (UTC) over a range of days. Pure rules: the terms,
 * which intervals a contract delivers in, the escrow it needs, and the settlement of its
 * deliveries against metered positions by the spot market's deviation rules.
 *
 * Settlement takes the contract volume out of the participants' positions before the spot
 * settlement sees them: the contract's trades are paid in full at the contract price, its
 * tokens move for delivered energy, and each party's contracted position is sold − bought. A
 * party that also trades spot in the interval has its deviation settled by the spot settlement
 * (on its position minus the contracted one, spotPosition); a party without spot fills has its
 * deviation settled here, by the same rule. So every Wh of a position is settled exactly once.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { compareIds, ID_PATTERN, ID_RULE } from '../core/identity';
import { shareProRata } from '../core/prorata';
import { DAY_SECONDS } from '../core/units';
import { costMicros, MAX_ORDER_ENERGY_WH, PriceParams, safeMicros } from './order';
import { checkPostingTotals, deviationPosting, netBalances, Posting, settleCorrection, SettlementParams } from './settlement';

/** A contract covers at most this many days (escrow is taken for all of them at acceptance). */
export const MAX_CONTRACT_DAYS = 31;

export interface ContractTerms {
  communityId: string;
  sellerId: string;
  buyerId: string;
  /** Energy per market interval, in Wh. */
  energyWhPerInterval: number;
  priceMicrosPerKwh: number;
  /** First and last day of delivery (UTC dates, inclusive). */
  firstDay: string;
  lastDay: string;
  /** Daily window of delivery, UTC `HH:MM`, from inclusive to exclusive (10:00–14:00); a `dailyTo` before `dailyFrom` runs past midnight
   * (22:00–02:00). */
  dailyFrom: string;
  dailyTo: string;
}

function invalid(field: string, message: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.CONTRACT_INVALID, message, { field });
}

/** Epoch seconds of a UTC date `YYYY-MM-DD` (a real date), or undefined. */
export function parseDay(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text ? undefined : ms / 1000;
}

/** Seconds after midnight of `HH:MM` (00:00–24:00), or undefined. */
function parseTimeOfDay(text: unknown): number | undefined {
  const m = typeof text === 'string' ? /^(\d{2}):(\d{2})$/.exec(text) : null;
  if (m === null) return undefined;
  const seconds = Number(m[1]) * 3600 + Number(m[2]) * 60;
  return Number(m[2]) < 60 && seconds <= DAY_SECONDS ? seconds : undefined;
}

/** The terms of a bilateral contract, in the order the chaincode stores them. */
export const CONTRACT_FIELDS = [
  'communityId',
  'sellerId',
  'buyerId',
  'energyWhPerInterval',
  'priceMicrosPerKwh',
  'firstDay',
  'lastDay',
  'dailyFrom',
  'dailyTo',
] as const;

/**
 * Checks proposed terms against the market's parameters: ids, two different parties, energy in
 * [1, 1 GWh], the price inside [feed-in, retail] (outside it the utility is the better
 * counterparty), real dates in order and at most MAX_CONTRACT_DAYS, and a daily window on the
 * interval grid. Unknown fields are refused.
 */
export function validateContractTerms(
  input: unknown,
  params: Pick<PriceParams, 'feedInMicrosPerKwh' | 'retailMicrosPerKwh'> & { intervalSeconds: number },
): ContractTerms {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('', 'a contract must be a JSON object');
  const r = input as Record<string, unknown>;
  for (const k of Object.keys(r).sort())
    if (!(CONTRACT_FIELDS as readonly string[]).includes(k)) throw invalid(k, `${k} is not a contract field`);
  for (const k of ['communityId', 'sellerId', 'buyerId'] as const) {
    if (typeof r[k] !== 'string' || !ID_PATTERN.test(r[k] as string)) throw invalid(k, `${k} must be ${ID_RULE}`);
  }
  if (r.sellerId === r.buyerId) throw invalid('buyerId', 'a participant cannot contract with itself');
  const energy = r.energyWhPerInterval;
  if (typeof energy !== 'number' || !Number.isSafeInteger(energy) || energy < 1 || energy > MAX_ORDER_ENERGY_WH) {
    throw invalid('energyWhPerInterval', `energyWhPerInterval must be an integer in [1, ${MAX_ORDER_ENERGY_WH}]`);
  }
  const price = r.priceMicrosPerKwh;
  if (typeof price !== 'number' || !Number.isSafeInteger(price) || price < params.feedInMicrosPerKwh || price > params.retailMicrosPerKwh) {
    throw invalid(
      'priceMicrosPerKwh',
      `priceMicrosPerKwh must be an integer in [${params.feedInMicrosPerKwh}, ${params.retailMicrosPerKwh}]`,
    );
  }
  const first = parseDay(r.firstDay);
  const last = parseDay(r.lastDay);
  if (first === undefined) throw invalid('firstDay', 'firstDay must be a UTC date like 2026-12-01');
  if (last === undefined || last < first) throw invalid('lastDay', 'lastDay must be a UTC date, not before firstDay');
  if ((last - first) / DAY_SECONDS + 1 > MAX_CONTRACT_DAYS) throw invalid('lastDay', `a contract covers at most ${MAX_CONTRACT_DAYS} days`);
  const from = parseTimeOfDay(r.dailyFrom);
  const to = parseTimeOfDay(r.dailyTo);
  if (from === undefined || from === DAY_SECONDS || from % params.intervalSeconds !== 0)
    throw invalid('dailyFrom', 'dailyFrom must be HH:MM on the market interval grid');
  if (to === undefined || to === from || to % params.intervalSeconds !== 0)
    throw invalid('dailyTo', 'dailyTo must be HH:MM on the grid, not dailyFrom');
  return Object.fromEntries(CONTRACT_FIELDS.map((k) => [k, r[k]])) as unknown as ContractTerms;
}

/**
 * Length of the daily window in seconds: dailyTo − dailyFrom, or, when dailyTo is earlier
 * (22:00–02:00), a window that runs past midnight into the next day: dailyTo + 24 h − dailyFrom.
 */
function windowSeconds(terms: Pick<ContractTerms, 'dailyFrom' | 'dailyTo'>): number {
  const from = parseTimeOfDay(terms.dailyFrom)!;
  const to = parseTimeOfDay(terms.dailyTo)!;
  return to > from ? to - from : to + DAY_SECONDS - from;
}

/** The first delivery interval's start and the number of delivery intervals. */
export function deliverySchedule(terms: ContractTerms, intervalSeconds: number): { firstStart: number; perDay: number; count: number } {
  const first = parseDay(terms.firstDay)!;
  const days = (parseDay(terms.lastDay)! - first) / DAY_SECONDS + 1;
  const perDay = windowSeconds(terms) / intervalSeconds;
  return { firstStart: first + parseTimeOfDay(terms.dailyFrom)!, perDay, count: days * perDay };
}

/**
 * Whether the contract delivers in the market interval starting at `startSeconds`: inside the
 * window that opens at dailyFrom on one of the days firstDay..lastDay (a window past midnight
 * ends on the next day, so the last deliveries of 22:00–02:00 fall on the day after lastDay).
 */
export function deliversIn(terms: ContractTerms, startSeconds: number, intervalSeconds: number): boolean {
  const from = parseTimeOfDay(terms.dailyFrom)!;
  // The day whose window opened last at or before the interval's start.
  const sinceOpen = (((startSeconds - from) % DAY_SECONDS) + DAY_SECONDS) % DAY_SECONDS;
  const day = startSeconds - from - sinceOpen;
  return (
    day >= parseDay(terms.firstDay)! &&
    day <= parseDay(terms.lastDay)! &&
    startSeconds % intervalSeconds === 0 &&
    sinceOpen + intervalSeconds <= windowSeconds(terms)
  );
}

/** The UTC days (YYYY-MM-DD) with deliveries: firstDay..lastDay, and the day after when the window runs past midnight. */
export function deliveryDays(terms: ContractTerms): string[] {
  const last = parseDay(terms.lastDay)! + (parseTimeOfDay(terms.dailyFrom)! + windowSeconds(terms) > DAY_SECONDS ? DAY_SECONDS : 0);
  const days: string[] = [];
  for (let day = parseDay(terms.firstDay)!; day <= last; day += DAY_SECONDS) days.push(new Date(day * 1000).toISOString().slice(0, 10));
  return days;
}

/** What one delivery costs the buyer: the energy at the contract price plus the grid fee, each rounded down once. */
export function deliveryCostMicros(
  terms: Pick<ContractTerms, 'energyWhPerInterval' | 'priceMicrosPerKwh'>,
  gridFeeMicrosPerKwh: number,
): { amountMicros: number; gridFeeMicros: number } {
  return {
    amountMicros: costMicros(terms.energyWhPerInterval, terms.priceMicrosPerKwh),
    gridFeeMicros: costMicros(terms.energyWhPerInterval, gridFeeMicrosPerKwh),
  };
}

/** The buyer's escrow for the whole contract: exactly the sum of what its deliveries take (AMOUNT_OUT_OF_RANGE beyond 2^53 − 1 µ). */
export function contractEscrowMicros(terms: ContractTerms, intervalSeconds: number, gridFeeMicrosPerKwh: number): number {
  const { amountMicros, gridFeeMicros } = deliveryCostMicros(terms, gridFeeMicrosPerKwh);
  return safeMicros(
    BigInt(deliverySchedule(terms, intervalSeconds).count) * BigInt(amountMicros + gridFeeMicros),
    'the escrow of the contract',
  );
}

/** One contract's delivery in one interval. */
export interface ContractDelivery {
  contractId: string;
  sellerId: string;
  buyerId: string;
  energyWh: number;
  priceMicrosPerKwh: number;
  /** The grid fee fixed with the contract (its escrow covers exactly this). */
  gridFeeMicrosPerKwh: number;
}

export interface ContractPartySettlement {
  participantId: string;
  soldWh: number;
  boughtWh: number;
  netWh: number;
  estimated: boolean;
  /** netWh − (sold − bought), settled here; null when the party trades spot too and the spot settlement settles it. */
  deviationWh: number | null;
  /** The party's balance change over the postings of this settlement. */
  netMicros: number;
}

export interface ContractTokenTransfer {
  contractId: string;
  sellerId: string;
  buyerId: string;
  /** The seller's delivered share of the contract's energy. */
  energyWh: number;
}

/** A position with the contracted volume taken out: what the spot settlement settles. */
export function spotPosition(netWh: number, soldWh: number, boughtWh: number): number {
  return safeMicros(BigInt(netWh) - BigInt(soldWh) + BigInt(boughtWh), 'a position in Wh');
}

/**
 * Settles the contracts delivering in one interval. Each contract's energy is paid in full at its
 * price (buyer to seller) plus its grid fee (buyer to utility), out of the buyer's escrow. Each
 * party's deviation D = netWh − (sold − bought) is settled here when it has no spot fills in the
 * interval (`spotParticipants`): D < 0 at retail to the utility, D > 0 at feed-in from it. Tokens
 * move for delivered energy: a seller's min(max(netWh, 0), sold) pro rata over its contracts
 * (contract id order). Postings: `contract:<id>`, `contract-fee:<id>`, `deviation:<participant>`.
 */
export function settleContracts(
  deliveries: readonly ContractDelivery[],
  positions: ReadonlyMap<string, { netWh: number; estimated: boolean }>,
  spotParticipants: ReadonlySet<string>,
  params: Omit<SettlementParams, 'gridFeeMicrosPerKwh'>,
): { postings: Posting[]; parties: ContractPartySettlement[]; tokenTransfers: ContractTokenTransfer[] } {
  const sorted = [...deliveries].sort((a, b) => compareIds(a.contractId, b.contractId));
  const sold = new Map<string, number>();
  const bought = new Map<string, number>();
  const postings: Posting[] = [];
  const seen = new Set<string>();
  for (const d of sorted) {
    if (seen.has(d.contractId) || d.sellerId === d.buyerId || !Number.isSafeInteger(d.energyWh) || d.energyWh <= 0) {
      throw new GridLedgerError(ErrorCodes.SETTLEMENT_INPUT_INVALID, 'a contract delivery that does not add up', {
        contractId: d.contractId,
      });
    }
    seen.add(d.contractId);
    sold.set(d.sellerId, safeMicros(BigInt(sold.get(d.sellerId) ?? 0) + BigInt(d.energyWh), `the energy sold by ${d.sellerId}`));
    bought.set(d.buyerId, safeMicros(BigInt(bought.get(d.buyerId) ?? 0) + BigInt(d.energyWh), `the energy bought by ${d.buyerId}`));
    const { amountMicros, gridFeeMicros } = deliveryCostMicros(
      { energyWhPerInterval: d.energyWh, priceMicrosPerKwh: d.priceMicrosPerKwh },
      d.gridFeeMicrosPerKwh,
    );
    postings.push({
      postingId: `contract:${d.contractId}`,
      from: d.buyerId,
      to: d.sellerId,
      amountMicros,
      energyWh: d.energyWh,
      reason: 'trade',
      orderIds: [d.contractId],
    });
    postings.push({
      postingId: `contract-fee:${d.contractId}`,
      from: d.buyerId,
      to: params.utilityId,
      amountMicros: gridFeeMicros,
      energyWh: d.energyWh,
      reason: 'grid-fee',
      orderIds: [d.contractId],
    });
  }
  const ids = [...new Set([...sold.keys(), ...bought.keys()])].sort(compareIds);
  const parties: ContractPartySettlement[] = [];
  for (const id of ids) {
    const position = positions.get(id);
    if (position === undefined)
      throw new GridLedgerError(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE, 'no position for a contract party', { participantIds: id });
    const soldWh = sold.get(id) ?? 0;
    const boughtWh = bought.get(id) ?? 0;
    let deviationWh: number | null = null;
    if (!spotParticipants.has(id)) {
      deviationWh = spotPosition(position.netWh, soldWh, boughtWh);
      const posting = deviationPosting(id, deviationWh, params, []);
      if (posting !== null) postings.push(posting);
    }
    parties.push({ participantId: id, soldWh, boughtWh, netWh: position.netWh, estimated: position.estimated, deviationWh, netMicros: 0 });
  }
  const nonZero = postings.filter((p) => p.amountMicros > 0);
  checkPostingTotals(nonZero);
  const balance = netBalances(nonZero);
  for (const p of parties) p.netMicros = safeMicros(balance.get(p.participantId) ?? 0n, `the balance change of ${p.participantId}`);

  const tokenTransfers: ContractTokenTransfer[] = [];
  for (const sellerId of [...sold.keys()].sort(compareIds)) {
    const own = sorted.filter((d) => d.sellerId === sellerId);
    const delivered = Math.min(Math.max(positions.get(sellerId)!.netWh, 0), sold.get(sellerId)!);
    const shares = shareProRata(
      delivered,
      own.map((d) => d.energyWh),
    );
    own.forEach(
      (d, k) => shares[k] > 0 && tokenTransfers.push({ contractId: d.contractId, sellerId, buyerId: d.buyerId, energyWh: shares[k] }),
    );
  }
  return { postings: nonZero, parties, tokenTransfers };
}

/**
 * A verified position that arrives after a contract-only party (deviationWh not null) was settled
 * on an estimate: one posting `contract-correction:<participant>` for the difference between the
 * deviation values (the contract trades are never settled again), or none when it is zero, and the
 * seller's verified delivery min(max(net, 0), sold) pro rata over its contracts (contract id order),
 * of which the caller moves what settlement did not. Refused (SETTLEMENT_INPUT_INVALID) for a party
 * the spot settlement settles or one not settled on an estimate: a correction happens once.
 */
export function correctContractParty(
  party: ContractPartySettlement,
  verifiedNetWh: number,
  deliveries: readonly Pick<ContractDelivery, 'contractId' | 'sellerId' | 'buyerId' | 'energyWh'>[],
  params: SettlementParams,
): { party: ContractPartySettlement; posting: Posting | null; delivered: ContractTokenTransfer[] } {
  if (party.deviationWh === null) {
    throw new GridLedgerError(ErrorCodes.SETTLEMENT_INPUT_INVALID, 'the spot settlement settles this party', {
      participantId: party.participantId,
    });
  }
  // The same rule as a spot seller of (sold − bought): deviation = net − (sold − bought).
  const { participant, posting } = settleCorrection(
    {
      participantId: party.participantId,
      side: 'sell',
      tradedWh: party.soldWh - party.boughtWh,
      deviationWh: party.deviationWh,
      estimated: party.estimated,
    },
    verifiedNetWh,
    params,
  );
  const own = [...deliveries].filter((d) => d.sellerId === party.participantId).sort((a, b) => compareIds(a.contractId, b.contractId));
  const shares = shareProRata(
    Math.min(Math.max(verifiedNetWh, 0), party.soldWh),
    own.map((d) => d.energyWh),
  );
  return {
    party: {
      ...party,
      netWh: verifiedNetWh,
      estimated: false,
      deviationWh: participant.deviationWh,
      netMicros: safeMicros(BigInt(party.netMicros) + BigInt(participant.netMicros), `the balance change of ${party.participantId}`),
    },
    posting: posting === null ? null : { ...posting, postingId: `contract-correction:${party.participantId}` },
    delivered: own.flatMap((d, k) =>
      shares[k] > 0 ? [{ contractId: d.contractId, sellerId: d.sellerId, buyerId: d.buyerId, energyWh: shares[k] }] : [],
    ),
  };
}
