/**
 * One home's agent inside the community's agent process (docs/agents.md, "The agent process"): a
 * thin shell around the pure decisions. For an interval it announces its balance in the DHT, and
 * then, with a surplus, prices it from the community's records (decide), offers it on the ledger,
 * announces the offer and answers the requests on it (answers.ts); with a deficit, it finds the
 * offers in the DHT, checks them against the ledger, requests the best (decide), and on a refusal
 * or an offer gone the next best; before the gate it bids what is left into the interval auction.
 * Every call to the gateway carries this home's agent key; its DHT node carries its agent key.
 *
 * Over 400 lines: one home agent's interval cycle (announce, price and offer, answer requests,
 * discover and request, bid the rest) reads best in one place; its decisions are pure modules
 * beside it (positions, seller, market view, bids).
 */
import { formatInstant, MANDATE_FIELDS, validateMandate, type Mandate } from '@gridledger/core';
import { decide, type TariffBand } from '@gridledger/core/agents';
import { discover, HttpLedgerCheck, publishRecord, type CommunityNode, type Discovery, type SurplusRecord } from '../dht/index.js';
import { answerRequests } from './answers.js';
import type { HomeConfig, ProcessConfig } from './config.js';
import { Gateway, GatewayError } from './gateway.js';
import { auctionBid, communityBalance, homeInterval, type OfferTerms, type Tally, visibleOffers } from './market-view.js';
import type { PlannedPosition } from './positions.js';

export interface MarketParams extends TariffBand {
  intervalSeconds: number;
  gateClosureSeconds: number;
}

/** An event of the process (one JSON line on its output): what an agent did or was told. */
export type Emit = (event: string, fields: Record<string, unknown>) => void;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowSeconds = () => Math.floor(Date.now() / 1000);
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The process's discoveries, shared by its agents: the agents that ask for the same interval and
 * balance at about the same time get one discovery, run from the node of the first that asked.
 */
export type SharedDiscovery = (intervalStart: number, balance: 'surplus' | 'deficit', run: () => Promise<Discovery>) => Promise<Discovery>;

/** What the agent holds for one interval. */
interface IntervalState {
  start: number;
  iso: string;
  position: PlannedPosition;
  mandate: Mandate | undefined;
  tally: Tally;
  seq: number;
  offerId?: string;
  /** Set once the bid is made: the seller stops answering, the buyer stops requesting. */
  closing: boolean;
}

interface RequestRow {
  requestId: string;
  buyerId: string;
  energyWh: number;
  status: string;
  contractId?: string;
  reason?: string;
}

export class HomeAgent {
  readonly participantId: string;
  readonly agentId: string;
  private readonly gateway: Gateway;
  private readonly ledger: HttpLedgerCheck;
  private readonly intervals = new Map<number, IntervalState>();
  private capacityW = 0;
  stopped = false;
  /** The outcomes this agent was told of (trades and refusals it is a party to). */
  readonly outcomes: Record<string, unknown>[] = [];

  constructor(
    readonly home: HomeConfig,
    private readonly config: ProcessConfig,
    readonly node: CommunityNode,
    private readonly emit: Emit,
    private readonly shared: SharedDiscovery,
  ) {
    this.participantId = home.participantId;
    this.agentId = node.libp2p.peerId.toString();
    this.gateway = new Gateway(config.gatewayUrl, home.apiKey);
    this.ledger = new HttpLedgerCheck({ baseUrl: config.gatewayUrl, apiKey: home.apiKey });
  }

  /** Reads what does not change from one interval to the next: the export capacity of the home's meters. */
  async prepare(): Promise<void> {
    const meters = await Promise.all(this.home.meterIds.map((m) => this.gateway.ok('GET', `/meters/${encodeURIComponent(m)}`)));
    this.capacityW = meters.reduce((sum, m) => sum + (Number(m.exportCapacityW) || 0), 0);
  }

  private async mandate(): Promise<Mandate | undefined> {
    const answer = await this.gateway.call('GET', `/p2p/mandates/${encodeURIComponent(this.participantId)}`);
    if (answer.status !== 200) return undefined;
    // The ledger's record carries who signed it and when, and the agent's id: the limits are the mandate's fields.
    const fields = Object.fromEntries(MANDATE_FIELDS.map((f) => [f, answer.body[f]]));
    try {
      return validateMandate(fields);
    } catch {
      return undefined;
    }
  }

  private tell(outcome: Record<string, unknown>): void {
    this.outcomes.push(outcome);
  }

  /** Publishes the interval's record with the next seq; false when the DHT did not take it in time (said in an event). */
  private async publish(s: IntervalState, params: MarketParams, offers: SurplusRecord['offers']): Promise<boolean> {
    s.seq += 1;
    const surplus = s.position.netWh >= 0;
    const record: SurplusRecord = {
      communityId: this.config.communityId,
      agentId: this.agentId,
      meterId: this.home.meterIds[0],
      zoneId: this.home.zoneId,
      intervalStart: s.start,
      intervalEnd: s.start + params.intervalSeconds,
      balance: surplus ? 'surplus' : 'deficit',
      energyWh: Math.max(0, surplus ? s.position.netWh - s.tally.soldWh : -s.position.netWh - s.tally.boughtWh),
      offers,
      seq: s.seq,
    };
    try {
      await publishRecord(this.node, record, { signal: AbortSignal.timeout(this.config.dhtTimeoutSeconds * 1000) });
      return true;
    } catch (e) {
      // The record may have reached some nodes; the ledger stays the authority, and the next record replaces this one.
      this.emit('publish-failed', { participantId: this.participantId, intervalStart: s.iso, seq: s.seq, message: errorText(e) });
      return false;
    }
  }

  /** The interval's records of one balance, from the process's shared discovery (community.ts) or, the first to ask, from this node. */
  private discover(s: IntervalState, balance: 'surplus' | 'deficit'): Promise<Discovery> {
    return this.shared(s.start, balance, async () => {
      const found = await discover(this.node, {
        intervalStart: s.start,
        balance,
        ledger: this.ledger,
        nowSeconds: nowSeconds(),
        timeoutMs: this.config.dhtTimeoutSeconds * 1000,
      });
      const { accepted, ...counts } = found;
      this.emit('discovery', { participantId: this.participantId, intervalStart: s.iso, balance, accepted: accepted.length, ...counts });
      return found;
    });
  }

  /** Step 1: the interval's position and mandate; its balance announced. False when the agent sits the interval out. */
  async announce(start: number, position: PlannedPosition | undefined, params: MarketParams): Promise<boolean> {
    if (this.stopped || position === undefined || position.netWh === 0) return false;
    const mandate = await this.mandate();
    if (mandate === undefined || !mandate.automation) {
      this.emit('idle', { participantId: this.participantId, intervalStart: formatInstant(start), reason: 'automation-off' });
      return false;
    }
    const s: IntervalState = {
      start,
      iso: formatInstant(start),
      position,
      mandate,
      tally: { soldWh: 0, boughtWh: 0, offeredWh: 0, requestedWh: 0 },
      seq: 0,
      closing: false,
    };
    this.intervals.set(start, s);
    await this.publish(s, params, []);
    this.emit('announced', { participantId: this.participantId, intervalStart: s.iso, netWh: position.netWh });
    return true;
  }

  /** Step 2, a surplus: priced from the community's records, offered on the ledger, the offer announced; then its requests answered. */
  async sell(start: number, params: MarketParams): Promise<void> {
    const s = this.intervals.get(start);
    if (s === undefined || s.position.netWh <= 0 || this.stopped) return;
    const [surplus, deficit] = await Promise.all([this.discover(s, 'surplus'), this.discover(s, 'deficit')]);
    const balance = communityBalance([...surplus.accepted, ...deficit.accepted].filter((r) => r.agentId !== this.agentId));
    const community = { supplyWh: balance.supplyWh + s.position.netWh, demandWh: balance.demandWh };
    const capacityWh = Math.floor((this.capacityW * params.intervalSeconds) / 3600);
    const decision = decide(
      homeInterval(this.participantId, this.home.zoneId, s.position, capacityWh, s.tally),
      s.mandate,
      params,
      community,
      [],
      {
        zones: [],
      },
    );
    const offer = decision.actions.find((a) => a.kind === 'offer');
    if (offer === undefined || offer.kind !== 'offer') return;
    const created = await this.gateway.ok('POST', '/p2p/offers', {
      clientOfferId: `agent-${start}`,
      communityId: this.config.communityId,
      meterId: this.home.meterIds[0],
      intervalStart: s.iso,
      energyWh: offer.energyWh,
      minEnergyWh: offer.minEnergyWh,
      priceMicrosPerKwh: offer.priceMicrosPerKwh,
    });
    s.offerId = String((created.offer as { offerId: string }).offerId);
    s.tally.offeredWh = offer.energyWh;
    // The offer is on the ledger: its requests are answered whatever the DHT does; the announcement may take a while.
    void this.answerLoop(s, params, offer.priceMicrosPerKwh);
    this.emit('offered', {
      participantId: this.participantId,
      intervalStart: s.iso,
      offerId: s.offerId,
      energyWh: offer.energyWh,
      priceMicrosPerKwh: offer.priceMicrosPerKwh,
      sdrRatio: decision.prices?.ratio ?? null,
    });
    const announced = [{ offerId: s.offerId, energyWh: offer.energyWh, priceMicrosPerKwh: offer.priceMicrosPerKwh }];
    if (await this.publish(s, params, announced))
      this.emit('published', { participantId: this.participantId, intervalStart: s.iso, offerId: s.offerId, seq: s.seq });
  }

  private async answerLoop(s: IntervalState, params: MarketParams, price: number): Promise<void> {
    while (!s.closing && !this.stopped) {
      try {
        await this.answerOnce(s, params, price);
      } catch (e) {
        this.emit('error', { participantId: this.participantId, step: 'answer', message: errorText(e) });
      }
      await sleep(this.config.pollMs);
    }
  }

  private async answerOnce(s: IntervalState, params: MarketParams, price: number): Promise<void> {
    const path = `/p2p/offers/${s.offerId}`;
    const rows = ((await this.gateway.ok('GET', `${path}/requests`)).items ?? []) as RequestRow[];
    const pending = rows.filter((r) => r.status === 'pending');
    if (pending.length === 0) return;
    const offer = await this.gateway.ok('GET', path);
    if (offer.phase !== 'open') return;
    // The owner may have changed the mandate since the offer: the current one decides.
    const mandate = await this.mandate();
    const answers = answerRequests(
      { energyWh: Number(offer.energyWh), acceptedWh: Number(offer.acceptedWh), priceMicrosPerKwh: price },
      pending,
      mandate,
      s.tally.soldWh,
    );
    const byReason = new Map<string, string[]>();
    for (const r of answers.refuse) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r.requestId]);
    for (const [reason, requestIds] of byReason) await this.refuse(s, requestIds, reason, pending);
    let accept = answers.accept;
    while (accept.length > 0 && !s.closing) {
      const answer = await this.gateway.call('POST', `${path}/acceptances`, { requestIds: accept });
      if (answer.status === 200) {
        const accepted = (answer.body.requests ?? []) as RequestRow[];
        for (const r of accepted) {
          s.tally.soldWh += r.energyWh;
          const trade = {
            intervalStart: s.iso,
            offerId: s.offerId,
            requestId: r.requestId,
            contractId: r.contractId,
            sellerId: this.participantId,
            buyerId: r.buyerId,
            energyWh: r.energyWh,
            priceMicrosPerKwh: price,
            told: [this.participantId, r.buyerId],
          };
          this.tell(trade);
          this.emit('trade', trade);
        }
        const left =
          Number((answer.body.offer as { energyWh: number; acceptedWh: number }).energyWh) -
          Number((answer.body.offer as { acceptedWh: number }).acceptedWh);
        await this.publish(s, params, left > 0 ? [{ offerId: s.offerId!, energyWh: left, priceMicrosPerKwh: price }] : []);
        return;
      }
      // The chaincode refused the batch for one request (its buyer's mandate or credits): refuse that one, accept the rest.
      const index = (answer.body.error as { details?: { index?: number } } | undefined)?.details?.index;
      if (typeof index !== 'number' || index < 0 || index >= accept.length) throw new GatewayError(answer, `accepting on ${path}`);
      await this.refuse(s, [accept[index]], 'counterparty', pending, answer.code);
      accept = accept.filter((_, k) => k !== index);
    }
  }

  private async refuse(s: IntervalState, requestIds: string[], reason: string, rows: RequestRow[], code?: string): Promise<void> {
    await this.gateway.ok('POST', `/p2p/offers/${s.offerId}/refusals`, { requestIds, reason });
    for (const requestId of requestIds) {
      const buyerId = rows.find((r) => r.requestId === requestId)?.buyerId;
      const outcome = {
        intervalStart: s.iso,
        offerId: s.offerId,
        requestId,
        sellerId: this.participantId,
        buyerId,
        reason,
        code,
        told: [this.participantId, buyerId],
      };
      this.tell(outcome);
      this.emit('refused', outcome);
    }
  }

  /** Step 3, a deficit: the community's offers found and checked, the best requested, the next best after a refusal. */
  async buy(start: number, params: MarketParams, deadline: number): Promise<void> {
    const s = this.intervals.get(start);
    if (s === undefined || s.position.netWh >= 0 || this.stopped) return;
    const found = await this.discover(s, 'surplus');
    const terms = new Map<string, OfferTerms>();
    await Promise.all(
      found.accepted.flatMap((r) =>
        r.offers.map(async (o) => {
          const answer = await this.gateway.call('GET', `/p2p/offers/${encodeURIComponent(o.offerId)}`);
          if (answer.status !== 200) return;
          const b = answer.body;
          terms.set(o.offerId, {
            offerId: o.offerId,
            sellerId: String(b.sellerId),
            minEnergyWh: Number(b.minEnergyWh) || 1,
            sources: Array.isArray(b.sources) ? (b.sources as string[]) : [],
            zone: typeof b.zone === 'string' ? b.zone : null,
          });
        }),
      ),
    );
    const tried = new Set<string>();
    /** Energy an offer has left after a refusal for quantity (the ledger's figure), and how often it was asked. */
    const left = new Map<string, number>();
    const asked = new Map<string, number>();
    let n = 0;
    while (!this.stopped && !s.closing && nowSeconds() < deadline) {
      const capacityWh = Math.floor((this.capacityW * params.intervalSeconds) / 3600);
      const offers = visibleOffers(found.accepted, terms, tried)
        .map((o) => ({ ...o, energyWh: left.get(o.offerId) ?? o.energyWh }))
        .map((o) => ({ ...o, minEnergyWh: Math.min(o.minEnergyWh, o.energyWh) }));
      const home = homeInterval(this.participantId, this.home.zoneId, s.position, capacityWh, s.tally);
      const decision = decide(home, s.mandate, params, { supplyWh: 0, demandWh: 0 }, offers, { zones: [] });
      const next = decision.actions.find((a) => a.kind === 'request');
      if (next === undefined || next.kind !== 'request') {
        const utility = decision.actions.find((a) => a.kind === 'utility');
        if (utility !== undefined)
          this.emit('no-peer', {
            participantId: this.participantId,
            intervalStart: s.iso,
            energyWh: utility.energyWh,
            offersSeen: offers.length,
          });
        return;
      }
      n += 1;
      asked.set(next.offerId, (asked.get(next.offerId) ?? 0) + 1);
      const outcome = await this.request(
        s,
        next.offerId,
        next.sellerId,
        next.energyWh,
        next.priceMicrosPerKwh,
        `agent-${start}-${n}`,
        deadline,
      );
      // Refused for quantity, or gone for it: the offer stays with what it has left (three tries at most); anything else drops it.
      const remaining = outcome === 'quantity' ? await this.energyLeft(next.offerId) : 0;
      if (outcome === 'accepted' || remaining <= 0 || (asked.get(next.offerId) ?? 0) >= 3) tried.add(next.offerId);
      else left.set(next.offerId, remaining);
    }
  }

  /** What an open offer has left on the ledger (0 when it is not open). */
  private async energyLeft(offerId: string): Promise<number> {
    const answer = await this.gateway.call('GET', `/p2p/offers/${encodeURIComponent(offerId)}`);
    if (answer.status !== 200 || answer.body.phase !== 'open') return 0;
    return Number(answer.body.energyWh) - Number(answer.body.acceptedWh);
  }

  /** Requests an offer and waits for the seller's answer: 'accepted', 'quantity' (refused or gone for it) or 'other'. */
  private async request(
    s: IntervalState,
    offerId: string,
    sellerId: string,
    energyWh: number,
    price: number,
    clientRequestId: string,
    deadline: number,
  ): Promise<'accepted' | 'quantity' | 'other'> {
    const path = `/p2p/offers/${encodeURIComponent(offerId)}`;
    const sent = await this.gateway.call('POST', `${path}/requests`, { clientRequestId, energyWh });
    const base = { participantId: this.participantId, intervalStart: s.iso, offerId, sellerId, energyWh, priceMicrosPerKwh: price };
    if (sent.status !== 200 && sent.status !== 201) {
      this.emit('gone', { ...base, code: sent.code ?? `HTTP ${sent.status}` });
      return sent.code === 'P2P_QUANTITY_UNAVAILABLE' || sent.code === 'P2P_BELOW_MINIMUM' ? 'quantity' : 'other';
    }
    const requestId = String((sent.body.request as { requestId: string }).requestId);
    s.tally.requestedWh += energyWh;
    this.emit('requested', { ...base, requestId });
    const until = Math.min(deadline, nowSeconds() + this.config.answerTimeoutSeconds);
    let row: RequestRow | undefined;
    for (;;) {
      const rows = ((await this.gateway.ok('GET', `${path}/requests`)).items ?? []) as RequestRow[];
      row = rows.find((r) => r.requestId === requestId);
      if (row === undefined || row.status !== 'pending' || nowSeconds() >= until || this.stopped) break;
      await sleep(this.config.pollMs);
    }
    if (row?.status === 'pending') {
      // No answer in time: withdrawn; a seller that accepted in between wins (the withdrawal is refused).
      await this.gateway.call('DELETE', `${path}/requests/${requestId}`);
      const rows = ((await this.gateway.ok('GET', `${path}/requests`)).items ?? []) as RequestRow[];
      row = rows.find((r) => r.requestId === requestId);
    }
    s.tally.requestedWh -= energyWh;
    if (row?.status === 'accepted') {
      s.tally.boughtWh += row.energyWh;
      this.tell({ ...base, requestId, contractId: row.contractId, status: 'accepted' });
      this.emit('bought', { ...base, requestId, contractId: row.contractId });
      return 'accepted';
    }
    this.tell({ ...base, requestId, status: row?.status ?? 'unknown', reason: row?.reason });
    this.emit('moving-on', { ...base, requestId, status: row?.status ?? 'unknown', reason: row?.reason ?? null });
    return row?.reason === 'quantity' ? 'quantity' : 'other';
  }

  /** Step 4, before the gate: the offer withdrawn, and what the bilateral trades left bid into the interval auction. */
  async bid(start: number, params: MarketParams): Promise<void> {
    const s = this.intervals.get(start);
    if (s === undefined || this.stopped) return;
    s.closing = true;
    if (s.offerId !== undefined) {
      await this.gateway.call('DELETE', `/p2p/offers/${s.offerId}`);
      const offer = await this.gateway.ok('GET', `/p2p/offers/${s.offerId}`);
      s.tally.soldWh = Number(offer.acceptedWh);
    }
    // The owner may have changed its limits since the cycle began: the mandate in force prices the bid.
    const bid = auctionBid(s.position, s.tally, await this.mandate(), params);
    if (bid === undefined) {
      this.emit('settled-bilaterally', { participantId: this.participantId, intervalStart: s.iso, ...s.tally });
      return;
    }
    const order = await this.gateway.ok('POST', '/orders', {
      clientOrderId: `agent-${start}`,
      communityId: this.config.communityId,
      intervalStart: s.iso,
      ...bid,
    });
    this.emit('bid', {
      participantId: this.participantId,
      intervalStart: s.iso,
      ...bid,
      orderId: (order.order as { orderId?: string })?.orderId ?? order.orderId,
      ...s.tally,
    });
  }

  forget(start: number): void {
    this.intervals.delete(start);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.node.stop();
  }
}
