/**
 * Peer-to-peer offers and requests (docs/p2p.md): a seller offers energy of one market interval at
 * a fixed price, buyers request parts of it, the seller accepts or refuses. Pure rules: the shapes,
 * the offer's phase at a time, and the plan of an acceptance (which requests become trades, what
 * each escrows), each refusal with a stable code. An accepted request becomes a contracted position
 * of one interval, a bilateral contract (market/contracts.ts) that settlement treats as any other.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { ID_PATTERN, ID_RULE } from '../core/identity';
import { DAY_SECONDS, formatInstant, parseInstant } from '../core/units';
import { ContractTerms, deliveryCostMicros } from '../market/contracts';
import { MAX_ORDER_ENERGY_WH, PriceParams, safeMicros } from '../market/order';
import { MarketParams, parseIntervalStart } from '../market/params';
import { checkMandate, Mandate } from './mandate';

/** At most this many requests in one acceptance (one transaction). */
export const MAX_ACCEPTANCE_BATCH = 100;

export const OFFER_FIELDS = [
  'communityId',
  'meterId',
  'intervalStart',
  'energyWh',
  'minEnergyWh',
  'priceMicrosPerKwh',
  'expiresAt',
] as const;
export const REFUSAL_REASONS = ['price', 'quantity', 'counterparty', 'capacity', 'other'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface OfferTerms {
  communityId: string;
  /** The seller's meter that delivers (active, in the community). */
  meterId: string;
  intervalStart: string;
  energyWh: number;
  /** The least a request may take, in Wh. */
  minEnergyWh: number;
  priceMicrosPerKwh: number;
  /** Requests and acceptances end here; at most (and by default) the interval's gate closure. */
  expiresAt: string;
}

function invalid(field: string, message: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.P2P_INPUT_INVALID, message, { field });
}

function objectOf(input: unknown, fields: readonly string[], what: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('', `${what} must be a JSON object`);
  const r = input as Record<string, unknown>;
  for (const k of Object.keys(r).sort()) if (!fields.includes(k)) throw invalid(k, `${k} is not a field of ${what}`);
  return r;
}

function energyOf(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > MAX_ORDER_ENERGY_WH)
    throw new GridLedgerError(ErrorCodes.ORDER_ENERGY_INVALID, `${field} must be an integer in [1, ${MAX_ORDER_ENERGY_WH}]`, { field });
  return v;
}

/** The instant of the interval's gate closure. */
export const gateOf = (params: Pick<MarketParams, 'gateClosureSeconds'>, startSeconds: number): number =>
  startSeconds - params.gateClosureSeconds;

/**
 * An offer's terms against the market's parameters at `nowSeconds`: ids, an interval start on the
 * grid of whole minutes (an accepted trade is a contract with a daily window in HH:MM), open now
 * (INTERVAL_NOT_OPEN, INTERVAL_CLOSED), energy (ORDER_ENERGY_INVALID), a minimum in [1, energy],
 * the price inside [feed-in, retail] (ORDER_PRICE_OUT_OF_BAND), an expiry after now and not after
 * the gate closure (default: the gate closure). Everything else P2P_INPUT_INVALID with details.field.
 */
export function validateOffer(input: unknown, params: MarketParams, nowSeconds: number): OfferTerms {
  const r = objectOf(input, OFFER_FIELDS, 'an offer');
  for (const k of ['communityId', 'meterId'] as const)
    if (typeof r[k] !== 'string' || !ID_PATTERN.test(r[k] as string)) throw invalid(k, `${k} must be ${ID_RULE}`);
  if (params.intervalSeconds % 60 !== 0) throw invalid('intervalStart', 'peer-to-peer offers need a market interval of whole minutes');
  const start = parseIntervalStart(r.intervalStart, params.intervalSeconds);
  const gate = gateOf(params, start);
  if (nowSeconds < start - params.openingHorizonSeconds)
    throw new GridLedgerError(ErrorCodes.INTERVAL_NOT_OPEN, 'the interval is beyond the opening horizon', {
      intervalStart: formatInstant(start),
    });
  if (nowSeconds >= gate)
    throw new GridLedgerError(ErrorCodes.INTERVAL_CLOSED, "the interval's gate has closed", { intervalStart: formatInstant(start) });
  const energyWh = energyOf(r.energyWh, 'energyWh');
  const minEnergyWh = r.minEnergyWh === undefined ? 1 : energyOf(r.minEnergyWh, 'minEnergyWh');
  if (minEnergyWh > energyWh) throw invalid('minEnergyWh', 'minEnergyWh must not exceed energyWh');
  const price = r.priceMicrosPerKwh;
  if (typeof price !== 'number' || !Number.isSafeInteger(price) || price < params.feedInMicrosPerKwh || price > params.retailMicrosPerKwh)
    throw new GridLedgerError(
      ErrorCodes.ORDER_PRICE_OUT_OF_BAND,
      `priceMicrosPerKwh must be an integer in [${params.feedInMicrosPerKwh}, ${params.retailMicrosPerKwh}]`,
      { min: params.feedInMicrosPerKwh, max: params.retailMicrosPerKwh },
    );
  const expires = r.expiresAt === undefined ? gate : typeof r.expiresAt === 'string' ? parseInstant(r.expiresAt) : undefined;
  if (expires === undefined || expires <= nowSeconds || expires > gate)
    throw invalid('expiresAt', `expiresAt must be a UTC instant after now and not after the gate closure ${formatInstant(gate)}`);
  return {
    communityId: r.communityId as string,
    meterId: r.meterId as string,
    intervalStart: formatInstant(start),
    energyWh,
    minEnergyWh,
    priceMicrosPerKwh: price,
    expiresAt: formatInstant(expires),
  };
}

/** A request's energy against the offer: at least its minimum (P2P_BELOW_MINIMUM), at most its energy (P2P_QUANTITY_UNAVAILABLE). */
export function validateRequestEnergy(input: unknown, offer: Pick<OfferTerms, 'energyWh' | 'minEnergyWh'>): number {
  const energyWh = energyOf(input, 'energyWh');
  if (energyWh < offer.minEnergyWh)
    throw new GridLedgerError(ErrorCodes.P2P_BELOW_MINIMUM, `the offer sells at least ${offer.minEnergyWh} Wh per request`, {
      minEnergyWh: offer.minEnergyWh,
    });
  if (energyWh > offer.energyWh)
    throw new GridLedgerError(ErrorCodes.P2P_QUANTITY_UNAVAILABLE, `the offer holds ${offer.energyWh} Wh`, { remainingWh: offer.energyWh });
  return energyWh;
}

export type OfferStatus = 'open' | 'cancelled';
export type OfferPhase = 'open' | 'expired' | 'cancelled' | 'sold';

/** What an offer is at `nowSeconds`: cancelled, sold (nothing left), expired (at expiresAt, at the latest at the gate), or open. */
export function offerPhase(
  offer: Pick<OfferTerms, 'energyWh' | 'expiresAt'> & { status: OfferStatus; acceptedWh: number },
  nowSeconds: number,
): OfferPhase {
  if (offer.status === 'cancelled') return 'cancelled';
  if (offer.acceptedWh >= offer.energyWh) return 'sold';
  return nowSeconds >= parseInstant(offer.expiresAt)! ? 'expired' : 'open';
}

/** Refuses (P2P_OFFER_EXPIRED, P2P_STATE_CONFLICT) an offer that takes no more requests or acceptances. */
export function requireOpenOffer(offer: Parameters<typeof offerPhase>[0] & { offerId: string }, nowSeconds: number): void {
  const phase = offerPhase(offer, nowSeconds);
  if (phase === 'expired')
    throw new GridLedgerError(ErrorCodes.P2P_OFFER_EXPIRED, `offer ${offer.offerId} expired at ${offer.expiresAt}`, {
      expiresAt: offer.expiresAt,
    });
  if (phase !== 'open') throw new GridLedgerError(ErrorCodes.P2P_STATE_CONFLICT, `offer ${offer.offerId} is ${phase}`, { status: phase });
}

/**
 * The bilateral contract of one accepted request: a single delivery in the offer's interval, a
 * daily window of that interval on its day (dailyTo 24:00 for the last interval of a day).
 */
export function tradeTerms(
  offer: Pick<OfferTerms, 'communityId' | 'intervalStart' | 'priceMicrosPerKwh'> & { sellerId: string },
  buyerId: string,
  energyWh: number,
  intervalSeconds: number,
): ContractTerms {
  const start = parseInstant(offer.intervalStart)!;
  const hhmm = (s: number) => `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}`;
  const from = start % DAY_SECONDS;
  return {
    communityId: offer.communityId,
    sellerId: offer.sellerId,
    buyerId,
    energyWhPerInterval: energyWh,
    priceMicrosPerKwh: offer.priceMicrosPerKwh,
    firstDay: offer.intervalStart.slice(0, 10),
    lastDay: offer.intervalStart.slice(0, 10),
    dailyFrom: hhmm(from),
    dailyTo: hhmm(from + intervalSeconds),
  };
}

export interface PendingRequest {
  requestId: string;
  buyerId: string;
  energyWh: number;
}

/** What the acceptance reads of the ledger besides the offer and its requests. */
export interface AcceptanceState {
  nowSeconds: number;
  params: Pick<PriceParams, 'gridFeeMicrosPerKwh'> & { intervalSeconds: number };
  byAgent: boolean;
  /** The seller's export capacity over the interval (its active meters), Wh. */
  capacityWh: number;
  sellerMandate?: Mandate;
  buyerMandates: ReadonlyMap<string, Mandate>;
  /** P2P energy each participant already sold (seller) or bought (buyers) in the interval. */
  soldWh: number;
  boughtWh: ReadonlyMap<string, number>;
  availableMicros: ReadonlyMap<string, number>;
  sellerSources: readonly string[];
  sellerZone?: string;
  buyerZones: ReadonlyMap<string, string | undefined>;
}

export interface PlannedTrade extends PendingRequest {
  amountMicros: number;
  gridFeeMicros: number;
  /** amount + grid fee: what the buyer's escrow takes now and the contract settlement pays out. */
  escrowMicros: number;
}

function atIndex(e: GridLedgerError, index: number, requestId: string): GridLedgerError {
  return new GridLedgerError(e.code, e.message, { ...e.details, index, requestId });
}

/**
 * The seller accepts `requests` (pending, of this offer, in the order given) in one transaction:
 * all or nothing, the first refused request refuses the batch with its own code and details.index.
 * Checks, in order: the offer open, the batch's energy within what the offer has left
 * (P2P_QUANTITY_UNAVAILABLE) and within the seller's capacity for the interval
 * (SELLER_CAPACITY_EXCEEDED), both parties' mandates, each buyer's credits for the escrow
 * (INSUFFICIENT_CREDITS), counting the requests before it in the batch.
 */
export function planAcceptance(
  offer: Parameters<typeof requireOpenOffer>[0] & Pick<OfferTerms, 'priceMicrosPerKwh'> & { sellerId: string },
  requests: readonly PendingRequest[],
  s: AcceptanceState,
): PlannedTrade[] {
  requireOpenOffer(offer, s.nowSeconds);
  if (requests.length < 1 || requests.length > MAX_ACCEPTANCE_BATCH)
    throw invalid('requestIds', `an acceptance takes 1 to ${MAX_ACCEPTANCE_BATCH} requests`);
  if (new Set(requests.map((r) => r.requestId)).size !== requests.length) throw invalid('requestIds', 'a request is named twice');
  let acceptedWh = offer.acceptedWh;
  let soldWh = s.soldWh;
  const bought = new Map(s.boughtWh);
  const spent = new Map<string, number>();
  const out: PlannedTrade[] = [];
  requests.forEach((r, index) => {
    try {
      if (acceptedWh + r.energyWh > offer.energyWh)
        throw new GridLedgerError(ErrorCodes.P2P_QUANTITY_UNAVAILABLE, `the offer has ${offer.energyWh - acceptedWh} Wh left`, {
          remainingWh: offer.energyWh - acceptedWh,
        });
      if (soldWh + r.energyWh > s.capacityWh)
        throw new GridLedgerError(ErrorCodes.SELLER_CAPACITY_EXCEEDED, `the seller's meters export at most ${s.capacityWh} Wh`, {
          capacityWh: s.capacityWh,
        });
      const price = offer.priceMicrosPerKwh;
      const sellerRefusal = checkMandate(s.sellerMandate, {
        side: 'sell',
        byAgent: s.byAgent,
        priceMicrosPerKwh: price,
        energyWh: r.energyWh,
        tradedWh: soldWh,
        capacityWh: s.capacityWh,
      });
      if (sellerRefusal !== null) throw sellerRefusal;
      const buyerRefusal = checkMandate(s.buyerMandates.get(r.buyerId), {
        side: 'buy',
        byAgent: false,
        priceMicrosPerKwh: price,
        energyWh: r.energyWh,
        tradedWh: bought.get(r.buyerId) ?? 0,
        sellerSources: s.sellerSources,
        sellerZone: s.sellerZone,
        buyerZone: s.buyerZones.get(r.buyerId),
      });
      if (buyerRefusal !== null) throw buyerRefusal;
      const { amountMicros, gridFeeMicros } = deliveryCostMicros(
        { energyWhPerInterval: r.energyWh, priceMicrosPerKwh: price },
        s.params.gridFeeMicrosPerKwh,
      );
      const escrowMicros = safeMicros(BigInt(amountMicros) + BigInt(gridFeeMicros), 'the escrow of a trade');
      const before = spent.get(r.buyerId) ?? 0;
      const available = s.availableMicros.get(r.buyerId) ?? 0;
      if (before + escrowMicros > available)
        throw new GridLedgerError(ErrorCodes.INSUFFICIENT_CREDITS, `the buyer has ${available - before} µ available`, {
          availableMicros: available - before,
          requiredMicros: escrowMicros,
        });
      spent.set(r.buyerId, before + escrowMicros);
      acceptedWh += r.energyWh;
      soldWh += r.energyWh;
      bought.set(r.buyerId, (bought.get(r.buyerId) ?? 0) + r.energyWh);
      out.push({ ...r, amountMicros, gridFeeMicros, escrowMicros });
    } catch (e) {
      throw e instanceof GridLedgerError ? atIndex(e, index, r.requestId) : e;
    }
  });
  return out;
}
