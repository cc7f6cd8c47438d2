/**
 * Peer-to-peer offers, requests and owner mandates (namespace `p2p`, docs/p2p.md): a thin shell
 * over core/src/p2p. A seller offers energy of one market interval; buyers request parts of it,
 * each request its own key (no buyer writes the offer, so a popular offer takes many requests at
 * once); the seller accepts many in one transaction, which checks the buyers' credits, the seller's
 * capacity and both mandates, escrows each buyer's payment and records each trade as an active
 * bilateral contract of that one interval: the contract settlement settles it as a contracted
 * position, before the auction's settlement, which clears and settles what is left.
 * Over 400 lines: one contract's transactions (offer, request, accept, refuse, cancel, mandate) share
 * their reads and checks here; the rules themselves are core's.
 */
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import {
  canonicalJson,
  compareIds,
  ErrorCodes,
  GridLedgerError,
  isSelfActing,
  Mandate,
  MAX_ACCEPTANCE_BATCH,
  MeteredAsset,
  offerPhase,
  orderIdOf,
  parseInstant,
  planAcceptance,
  REFUSAL_REASONS,
  RefusalReason,
  requireMandate,
  requireOpenOffer,
  tradeTerms,
  validateContractTerms,
  validateMandate,
  validateOffer,
  validateRequestEnergy,
} from '@gridledger/core';
import { isAgent, requireRole, requireSelfOrRoles, requireTrader } from '../access';
import { checkFields, checkId, checkIntervalStart, parseObjectArgument } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord, putRecord, setEvent, txInstant, txSeconds } from '../ledger';
import { listRecords } from '../paging';
import { respond } from '../respond';
import { AccountOverlay } from '../market/accounts';
import { ContractRecord, storeActiveContract } from '../market/bilateral-store';
import { spotSellWh } from '../market/book';
import { sellCapacityWh } from '../market/delivery';
import { loadInterval } from '../market/interval';
import { paramsFor } from '../market/params';
import { loadMeter, metersOf } from '../registry';
import {
  loadMandate,
  loadOffer,
  loadRequest,
  loadTraded,
  MandateRecord,
  OfferRecord,
  offerKey,
  RequestRecord,
  requestKey,
  tradedKey,
} from './store';

function conflict(message: string, status: string, details: Record<string, string | number> = {}): GridLedgerError {
  return new GridLedgerError(ErrorCodes.P2P_STATE_CONFLICT, message, { status, ...details });
}

function requestIdsOf(input: Record<string, unknown>): string[] {
  const ids = input.requestIds;
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAX_ACCEPTANCE_BATCH)
    throw new GridLedgerError(ErrorCodes.P2P_INPUT_INVALID, `requestIds must list 1 to ${MAX_ACCEPTANCE_BATCH} requests`, {
      field: 'requestIds',
    });
  const out = ids.map((id) => checkId(id, 'requestIds', ErrorCodes.P2P_INPUT_INVALID));
  if (new Set(out).size !== out.length)
    throw new GridLedgerError(ErrorCodes.P2P_INPUT_INVALID, 'a request is named twice', { field: 'requestIds' });
  return out;
}

/** Refuses a step once the ledger has closed the interval (a close racing it conflicts on the interval key). */
async function requireIntervalOpen(ctx: Context, offer: Pick<OfferRecord, 'communityId' | 'intervalStart'>): Promise<void> {
  if ((await loadInterval(ctx, offer.communityId, offer.intervalStart)) !== undefined)
    throw new GridLedgerError(ErrorCodes.INTERVAL_CLOSED, `interval ${offer.intervalStart} is closed`, {
      intervalStart: offer.intervalStart,
    });
}

/** The seller's capacity in the interval less its open spot sell orders (market/book.ts): both sell the same export. */
async function capacityLeftWh(ctx: Context, sellerId: string, communityId: string, intervalStart: string, intervalSeconds: number) {
  const capacity = await sellCapacityWh(ctx, sellerId, communityId, intervalSeconds);
  return { ...capacity, capacityWh: Math.max(0, capacity.capacityWh - (await spotSellWh(ctx, communityId, intervalStart, sellerId))) };
}

/** Peer-to-peer offers and requests, owner mandates (docs/p2p.md). */
@Info({ title: 'p2p', description: 'Peer-to-peer offers and requests, owner mandates' })
export class P2pContract extends Contract {
  constructor() {
    super('p2p');
  }

  /**
   * `{ clientOfferId, communityId, meterId, intervalStart, energyWh, minEnergyWh?, priceMicrosPerKwh,
   * expiresAt? }` by a prosumer for its own meter, within its capacity and its mandate. A retry
   * with the same clientOfferId returns the offer.
   */
  @Transaction()
  @Returns('string')
  async createOffer(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'createOffer', async () => {
      const caller = requireTrader(ctx, 'offering energy');
      const { clientOfferId: rawClientId, ...rest } = parseObjectArgument(request, 'the offer');
      const clientOfferId = checkId(rawClientId, 'clientOfferId', ErrorCodes.P2P_INPUT_INVALID);
      const offerId = orderIdOf(caller.participantId, `p2p-offer\n${clientOfferId}`).replace(/^o/, 'p');
      const existing = await getRecord<OfferRecord>(ctx, offerKey(ctx, offerId));
      if (existing !== undefined) {
        if (existing.request !== canonicalJson(rest))
          throw new GridLedgerError(ErrorCodes.CLIENT_ID_REUSED, `clientOfferId ${clientOfferId} was used for another offer`, {
            clientOfferId,
          });
        return { offer: existing, replayed: true };
      }
      const communityId = checkId(rest.communityId, 'communityId', ErrorCodes.P2P_INPUT_INVALID);
      const now = txSeconds(ctx);
      const start = typeof rest.intervalStart === 'string' ? parseInstant(rest.intervalStart) : undefined;
      const params = await paramsFor(ctx, communityId, start ?? now);
      const terms = validateOffer(rest, params, now);
      const meter = await loadMeter(ctx, terms.meterId);
      if (meter.participantId !== caller.participantId || meter.communityId !== communityId || !meter.active)
        throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'a seller offers from an active meter of its own in the community', {
          meterId: terms.meterId,
        });
      await requireIntervalOpen(ctx, terms);
      const { capacityWh, zone } = await capacityLeftWh(
        ctx,
        caller.participantId,
        communityId,
        terms.intervalStart,
        params.intervalSeconds,
      );
      const traded = await loadTraded(ctx, communityId, terms.intervalStart, caller.participantId);
      if (traded.soldWh + terms.energyWh > capacityWh)
        throw new GridLedgerError(ErrorCodes.SELLER_CAPACITY_EXCEEDED, `the seller's meters export at most ${capacityWh} Wh`, {
          capacityWh,
        });
      requireMandate(await loadMandate(ctx, caller.participantId), {
        side: 'sell',
        byAgent: isAgent(ctx),
        priceMicrosPerKwh: terms.priceMicrosPerKwh,
        energyWh: terms.energyWh,
        tradedWh: traded.soldWh,
        capacityWh,
      });
      const assets = await listRecords<MeteredAsset>(ctx, KeyTypes.assetByMeter, [terms.meterId]);
      const offer: OfferRecord = {
        ...terms,
        offerId,
        clientOfferId,
        request: canonicalJson(rest),
        sellerId: caller.participantId,
        sources: [...new Set(assets.map((a) => a.source))].sort(compareIds),
        zone: zone ?? null,
        status: 'open',
        acceptedWh: 0,
        createdAt: txInstant(ctx),
        txId: ctx.stub.getTxID(),
      };
      await putRecord(ctx, offerKey(ctx, offerId), offer);
      await putRecord(ctx, key(ctx, KeyTypes.p2pOfferIn, communityId, terms.intervalStart, offerId), { offerId });
      setEvent(ctx, 'P2pOfferCreated', {
        offerId,
        communityId,
        intervalStart: terms.intervalStart,
        sellerId: offer.sellerId,
        energyWh: offer.energyWh,
        priceMicrosPerKwh: offer.priceMicrosPerKwh,
      });
      return { offer, replayed: false };
    });
  }

  /** An offer with its phase now (open, expired, cancelled, sold): offers are public to the channel's roles. */
  @Transaction(false)
  @Returns('string')
  async getOffer(ctx: Context, offerId: string): Promise<string> {
    return respond(ctx, 'getOffer', async () => {
      requireRole(ctx, 'any', 'reading an offer');
      const offer = await loadOffer(ctx, checkId(offerId, 'offerId'));
      return { ...offer, phase: offerPhase(offer, txSeconds(ctx)) };
    });
  }

  /** The offers of a community's interval, by id, each with its phase. */
  @Transaction(false)
  @Returns('string')
  async listOffers(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'listOffers', async () => {
      requireRole(ctx, 'any', 'listing offers');
      checkId(communityId, 'communityId');
      const params = await paramsFor(ctx, communityId, txSeconds(ctx));
      checkIntervalStart(intervalStart, params.intervalSeconds);
      const now = txSeconds(ctx);
      const items = [];
      for (const { offerId } of await listRecords<{ offerId: string }>(ctx, KeyTypes.p2pOfferIn, [communityId, intervalStart])) {
        const offer = await loadOffer(ctx, offerId);
        items.push({ ...offer, phase: offerPhase(offer, now) });
      }
      return { items };
    });
  }

  /**
   * `{ clientRequestId, energyWh }` by a buyer (not the seller) while the offer is open, within the
   * buyer's mandate; writes only its own request key. A retry with the same clientRequestId returns it.
   */
  @Transaction()
  @Returns('string')
  async requestOffer(ctx: Context, offerId: string, request: string): Promise<string> {
    return respond(ctx, 'requestOffer', async () => {
      const caller = requireTrader(ctx, 'requesting an offer');
      const input = parseObjectArgument(request, 'the request');
      checkFields(input, ['clientRequestId', 'energyWh'], 'a request');
      const clientRequestId = checkId(input.clientRequestId, 'clientRequestId', ErrorCodes.P2P_INPUT_INVALID);
      const offer = await loadOffer(ctx, checkId(offerId, 'offerId'));
      const requestId = orderIdOf(caller.participantId, `p2p-request\n${offerId}\n${clientRequestId}`).replace(/^o/, 'q');
      const existing = await getRecord<RequestRecord>(ctx, requestKey(ctx, offerId, requestId));
      if (existing !== undefined) {
        if (existing.energyWh !== input.energyWh)
          throw new GridLedgerError(ErrorCodes.CLIENT_ID_REUSED, `clientRequestId ${clientRequestId} was used for another request`, {
            clientRequestId,
          });
        return { request: existing, replayed: true };
      }
      if (caller.participantId === offer.sellerId) throw conflict('a seller does not request its own offer', 'open');
      requireOpenOffer(offer, txSeconds(ctx));
      const energyWh = validateRequestEnergy(input.energyWh, {
        energyWh: offer.energyWh - offer.acceptedWh,
        minEnergyWh: offer.minEnergyWh,
      });
      const traded = await loadTraded(ctx, offer.communityId, offer.intervalStart, caller.participantId);
      const params = await paramsFor(ctx, offer.communityId, parseInstant(offer.intervalStart)!);
      const { zone } = await sellCapacityWh(ctx, caller.participantId, offer.communityId, params.intervalSeconds);
      requireMandate(await loadMandate(ctx, caller.participantId), {
        side: 'buy',
        byAgent: isAgent(ctx),
        priceMicrosPerKwh: offer.priceMicrosPerKwh,
        energyWh,
        tradedWh: traded.boughtWh,
        sellerSources: offer.sources,
        sellerZone: offer.zone ?? undefined,
        buyerZone: zone,
      });
      const record: RequestRecord = {
        requestId,
        offerId,
        clientRequestId,
        buyerId: caller.participantId,
        energyWh,
        status: 'pending',
        createdAt: txInstant(ctx),
        txId: ctx.stub.getTxID(),
      };
      await putRecord(ctx, requestKey(ctx, offerId, requestId), record);
      setEvent(ctx, 'P2pRequestCreated', { offerId, requestId, sellerId: offer.sellerId, buyerId: record.buyerId, energyWh });
      return { request: record, replayed: false };
    });
  }

  /** An offer's requests: all of them for the seller and the operator, utility and regulator; a buyer's own for a buyer. */
  @Transaction(false)
  @Returns('string')
  async listRequests(ctx: Context, offerId: string): Promise<string> {
    return respond(ctx, 'listRequests', async () => {
      const caller = requireRole(ctx, 'any', 'listing requests');
      const offer = await loadOffer(ctx, checkId(offerId, 'offerId'));
      const all = await listRecords<RequestRecord>(ctx, KeyTypes.p2pRequest, [offerId]);
      const seesAll = caller.participantId === offer.sellerId || ['operator', 'utility', 'regulator'].includes(caller.role ?? '');
      return { items: seesAll ? all : all.filter((r) => r.buyerId === caller.participantId) };
    });
  }

  /**
   * `{ requestIds }` (1 to 100) by the seller: all or nothing, in the order given. Each request
   * becomes a trade: the buyer's payment escrowed, an active contract of the offer's interval.
   * A retry of requests all accepted before returns them (replayed).
   */
  @Transaction()
  @Returns('string')
  async acceptRequests(ctx: Context, offerId: string, acceptance: string): Promise<string> {
    return respond(ctx, 'acceptRequests', async () => {
      const caller = requireTrader(ctx, 'accepting requests');
      const input = parseObjectArgument(acceptance, 'the acceptance');
      checkFields(input, ['requestIds'], 'an acceptance');
      const ids = requestIdsOf(input);
      const offer = await this.ownOffer(ctx, offerId, caller.participantId);
      const requests = [];
      for (const id of ids) requests.push(await loadRequest(ctx, offerId, id));
      if (requests.every((r) => r.status === 'accepted')) return { offer, requests, replayed: true };
      requests.forEach((r, index) => {
        if (r.status !== 'pending') throw conflict(`request ${r.requestId} is ${r.status}`, r.status, { index, requestId: r.requestId });
      });
      await requireIntervalOpen(ctx, offer);
      const start = parseInstant(offer.intervalStart)!;
      const params = await paramsFor(ctx, offer.communityId, start);
      const { capacityWh } = await capacityLeftWh(ctx, offer.sellerId, offer.communityId, offer.intervalStart, params.intervalSeconds);
      const buyers = [...new Set(requests.map((r) => r.buyerId))].sort(compareIds);
      const accounts = new AccountOverlay(ctx);
      const buyerMandates = new Map<string, Mandate>();
      const boughtWh = new Map<string, number>();
      const availableMicros = new Map<string, number>();
      const buyerZones = new Map<string, string | undefined>();
      for (const id of buyers) {
        const mandate = await loadMandate(ctx, id);
        if (mandate !== undefined) buyerMandates.set(id, mandate);
        boughtWh.set(id, (await loadTraded(ctx, offer.communityId, offer.intervalStart, id)).boughtWh);
        availableMicros.set(id, (await accounts.get(id)).availableMicros);
        buyerZones.set(id, (await sellCapacityWh(ctx, id, offer.communityId, params.intervalSeconds)).zone);
      }
      const sellerTraded = await loadTraded(ctx, offer.communityId, offer.intervalStart, offer.sellerId);
      const trades = planAcceptance(offer, requests, {
        nowSeconds: txSeconds(ctx),
        params,
        byAgent: isAgent(ctx),
        capacityWh,
        sellerMandate: await loadMandate(ctx, offer.sellerId),
        buyerMandates,
        soldWh: sellerTraded.soldWh,
        boughtWh,
        availableMicros,
        sellerSources: offer.sources,
        sellerZone: offer.zone ?? undefined,
        buyerZones,
      });
      const accepted: RequestRecord[] = [];
      for (const [index, t] of trades.entries()) {
        const contractId = t.requestId.replace(/^q/, 't');
        const terms = validateContractTerms(tradeTerms(offer, t.buyerId, t.energyWh, params.intervalSeconds), params);
        await accounts.change(t.buyerId, 'escrow', contractId, -t.escrowMicros, t.escrowMicros);
        const contract: ContractRecord = {
          ...terms,
          contractId,
          clientContractId: t.requestId,
          request: canonicalJson({ offerId, requestId: t.requestId }),
          status: 'active',
          proposedBy: t.buyerId,
          proposedAt: requests[index].createdAt,
          acceptedAt: txInstant(ctx),
          intervalSeconds: params.intervalSeconds,
          gridFeeMicrosPerKwh: params.gridFeeMicrosPerKwh,
          escrowMicros: t.escrowMicros,
          escrowTaken: true,
          txId: ctx.stub.getTxID(),
          p2p: { offerId, requestId: t.requestId },
        };
        await storeActiveContract(ctx, contract);
        const r: RequestRecord = { ...requests[index], status: 'accepted', decidedAt: txInstant(ctx), contractId };
        await putRecord(ctx, requestKey(ctx, offerId, r.requestId), r);
        accepted.push(r);
      }
      await accounts.flush();
      const totalWh = trades.reduce((s, t) => s + t.energyWh, 0);
      for (const id of buyers) {
        const traded = await loadTraded(ctx, offer.communityId, offer.intervalStart, id);
        const more = trades.filter((t) => t.buyerId === id).reduce((s, t) => s + t.energyWh, 0);
        await putRecord(ctx, tradedKey(ctx, offer.communityId, offer.intervalStart, id), { ...traded, boughtWh: traded.boughtWh + more });
      }
      await putRecord(ctx, tradedKey(ctx, offer.communityId, offer.intervalStart, offer.sellerId), {
        ...sellerTraded,
        soldWh: sellerTraded.soldWh + totalWh,
      });
      const updated: OfferRecord = { ...offer, acceptedWh: offer.acceptedWh + totalWh };
      await putRecord(ctx, offerKey(ctx, offerId), updated);
      setEvent(ctx, 'P2pRequestsAccepted', {
        offerId,
        communityId: offer.communityId,
        intervalStart: offer.intervalStart,
        sellerId: offer.sellerId,
        trades: accepted.map((r) => ({ requestId: r.requestId, buyerId: r.buyerId, energyWh: r.energyWh, contractId: r.contractId })),
      });
      return { offer: updated, requests: accepted, replayed: false };
    });
  }

  /** `{ requestIds, reason }` by the seller: pending requests refused with a reason (price, quantity, counterparty, capacity, other). */
  @Transaction()
  @Returns('string')
  async refuseRequests(ctx: Context, offerId: string, refusal: string): Promise<string> {
    return respond(ctx, 'refuseRequests', async () => {
      const caller = requireTrader(ctx, 'refusing requests');
      const input = parseObjectArgument(refusal, 'the refusal');
      checkFields(input, ['requestIds', 'reason'], 'a refusal');
      const ids = requestIdsOf(input);
      if (!(REFUSAL_REASONS as readonly unknown[]).includes(input.reason))
        throw new GridLedgerError(ErrorCodes.P2P_INPUT_INVALID, `reason must be one of ${REFUSAL_REASONS.join(', ')}`, { field: 'reason' });
      const offer = await this.ownOffer(ctx, offerId, caller.participantId);
      const requests = [];
      for (const id of ids) requests.push(await loadRequest(ctx, offerId, id));
      if (requests.every((r) => r.status === 'refused')) return { requests, replayed: true };
      const refused: RequestRecord[] = [];
      for (const [index, r] of requests.entries()) {
        if (r.status !== 'pending') throw conflict(`request ${r.requestId} is ${r.status}`, r.status, { index, requestId: r.requestId });
        const record: RequestRecord = { ...r, status: 'refused', decidedAt: txInstant(ctx), reason: input.reason as RefusalReason };
        await putRecord(ctx, requestKey(ctx, offerId, r.requestId), record);
        refused.push(record);
      }
      setEvent(ctx, 'P2pRequestsRefused', {
        offerId,
        sellerId: offer.sellerId,
        reason: input.reason,
        requests: refused.map((r) => ({ requestId: r.requestId, buyerId: r.buyerId })),
      });
      return { requests: refused, replayed: false };
    });
  }

  /** The buyer withdraws its request while it is pending. */
  @Transaction()
  @Returns('string')
  async withdrawRequest(ctx: Context, offerId: string, requestId: string): Promise<string> {
    return respond(ctx, 'withdrawRequest', async () => {
      const caller = requireTrader(ctx, 'withdrawing a request');
      const r = await loadRequest(ctx, checkId(offerId, 'offerId'), checkId(requestId, 'requestId'));
      if (r.buyerId !== caller.participantId)
        throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'only the buyer of the request', { offerId, requestId });
      if (r.status === 'withdrawn') return { request: r, replayed: true };
      if (r.status !== 'pending') throw conflict(`request ${requestId} is ${r.status}`, r.status);
      const record: RequestRecord = { ...r, status: 'withdrawn', decidedAt: txInstant(ctx) };
      await putRecord(ctx, requestKey(ctx, offerId, requestId), record);
      const offer = await loadOffer(ctx, offerId);
      setEvent(ctx, 'P2pRequestWithdrawn', { offerId, requestId, sellerId: offer.sellerId, buyerId: r.buyerId });
      return { request: record, replayed: false };
    });
  }

  /** The seller cancels its offer: no more requests or acceptances; trades accepted before stand. */
  @Transaction()
  @Returns('string')
  async cancelOffer(ctx: Context, offerId: string): Promise<string> {
    return respond(ctx, 'cancelOffer', async () => {
      const caller = requireTrader(ctx, 'cancelling an offer');
      const offer = await this.ownOffer(ctx, offerId, caller.participantId);
      if (offer.status === 'cancelled') return { offer, replayed: true };
      const record: OfferRecord = { ...offer, status: 'cancelled', cancelledAt: txInstant(ctx) };
      await putRecord(ctx, offerKey(ctx, offerId), record);
      setEvent(ctx, 'P2pOfferCancelled', {
        offerId,
        communityId: offer.communityId,
        intervalStart: offer.intervalStart,
        sellerId: offer.sellerId,
      });
      return { offer: record, replayed: false };
    });
  }

  /**
   * The owner sets its own mandate (a prosumer or consumer identity without gl.agent, for its own
   * gl.id); an agent identity may not. The transaction's signature is the owner's signature.
   */
  @Transaction()
  @Returns('string')
  async setMandate(ctx: Context, participantId: string, mandate: string): Promise<string> {
    return respond(ctx, 'setMandate', async () => {
      const caller = requireTrader(ctx, 'setting a mandate');
      if (caller.participantId !== checkId(participantId, 'participantId') || isAgent(ctx))
        throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, "a mandate is set by its owner's own identity, not by an agent", {
          participantId,
        });
      const terms = validateMandate(parseObjectArgument(mandate, 'the mandate'));
      const record: MandateRecord = {
        participantId,
        ...terms,
        signedBy: ctx.clientIdentity.getID(),
        signedAt: txInstant(ctx),
        txId: ctx.stub.getTxID(),
      };
      await putRecord(ctx, key(ctx, KeyTypes.mandate, participantId), record);
      setEvent(ctx, 'MandateSet', { participantId, automation: terms.automation });
      return record;
    });
  }

  /** A participant's mandate: the participant (owner or agent), the operator, utility and regulator. */
  @Transaction(false)
  @Returns('string')
  async getMandate(ctx: Context, participantId: string): Promise<string> {
    return respond(ctx, 'getMandate', async () => {
      requireSelfOrRoles(ctx, checkId(participantId, 'participantId'), ['operator', 'utility', 'regulator'], 'reading a mandate');
      const mandate = await loadMandate(ctx, participantId);
      if (mandate === undefined)
        throw new GridLedgerError(ErrorCodes.MANDATE_NOT_FOUND, `${participantId} has no mandate`, { participantId });
      return mandate;
    });
  }

  /**
   * The agent that speaks for a meter (docs/p2p.md, *Agents and owners*): the agentId of its
   * owner's mandate, when automation is on. Any participant of the meter's community (a buyer's
   * agent checking a DHT record), the operator, utility and regulator.
   */
  @Transaction(false)
  @Returns('string')
  async getMeterAgent(ctx: Context, meterId: string): Promise<string> {
    return respond(ctx, 'getMeterAgent', async () => {
      const caller = requireRole(ctx, 'any', 'reading the agent of a meter');
      const meter = await loadMeter(ctx, checkId(meterId, 'meterId'));
      if (isSelfActing(caller.role) && !(await metersOf(ctx, caller.participantId ?? '')).some((m) => m.communityId === meter.communityId))
        throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, "a household reads the agents of its own community's meters", { meterId });
      const mandate = await loadMandate(ctx, meter.participantId);
      if (mandate?.automation !== true || mandate.agentId === undefined)
        throw new GridLedgerError(ErrorCodes.AGENT_BINDING_NOT_FOUND, `no agent speaks for meter ${meterId}`, { meterId });
      return { meterId, agentId: mandate.agentId, participantId: meter.participantId };
    });
  }

  private async ownOffer(ctx: Context, offerId: string, participantId: string): Promise<OfferRecord> {
    const offer = await loadOffer(ctx, checkId(offerId, 'offerId'));
    if (offer.sellerId !== participantId) throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'only the seller of the offer', { offerId });
    return offer;
  }
}
