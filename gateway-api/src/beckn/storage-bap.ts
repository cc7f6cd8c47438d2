/**
 * Our BAP for the storage marketplace (docs/beckn.md, "The BAP's REST API"): our users' requests
 * become signed Beckn messages to BPPs (through the outbox), and the BPPs' callbacks are kept per
 * transaction for the REST API to answer from, in the participant's SQLite file (bap-transactions.ts:
 * a restart loses none). A transaction's offers come from its on_search callbacks, its order from the
 * latest order callback.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import type { BapClient } from './bap';
import type { BapTransaction, BapTransactions } from './bap-transactions';
import type { Incoming } from './router';
import type { CallbackAction, MessageOf } from './schemas';
import { BUYER_TAG, BUYER_TAG_GROUP, STORAGE_CURRENCY } from './storage-offer';
import { readStorageTags, STORAGE_FULFILLMENT_TYPE, STORAGE_ITEM_CODE, STORAGE_TAG_GROUP } from './storage-profile';

export type { Callback } from './bap-transactions';

const invalid = (field: string, message: string) => new GridLedgerError(ErrorCodes.BECKN_TRANSACTION_UNKNOWN, message, { field });

export interface Offer {
  bppId: string;
  bppUri: string;
  providerId: string;
  batteryId: string;
  freeWh: number;
  capacityWh: number;
  zone: string;
  storedPriceMicrosPerKwh: number;
  reservedPriceMicrosPerKwhDay: number;
  roundTripEfficiencyPpm: number;
}

export interface StorageSearchRequest {
  latitudeMicro?: number;
  longitudeMicro?: number;
  radiusM?: number;
  minFreeWh?: number;
  maxStoredPriceMicrosPerKwh?: number;
  from?: string;
  to?: string;
}

export interface StorageOrderRequest {
  bppId: string;
  batteryId: string;
  reservedWh: number;
  from: string;
  to: string;
  buyerId?: string;
}

export class StorageBap {
  constructor(
    private readonly client: BapClient,
    private readonly transactions: BapTransactions,
    /** The BPPs a search goes to: id and Beckn endpoint (the local registry's BPPs of our domain). */
    private readonly bpps: () => Promise<{ bppId: string; bppUri: string }[]>,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** The result sink: keeps a callback under its transaction. */
  async receive(incoming: Incoming<CallbackAction>): Promise<void> {
    const transactionId = incoming.context.transaction_id;
    if (this.transactions.ownerOf(transactionId) === undefined) return; // not a transaction of ours (or expired)
    const now = this.nowMs();
    const callback = {
      action: incoming.action,
      bppId: incoming.context.bpp_id!,
      messageId: incoming.context.message_id,
      receivedAt: new Date(now).toISOString(),
      ...(incoming.error ? { error: incoming.error } : {}),
      ...(incoming.message ? { message: incoming.message } : {}),
    };
    this.transactions.received(transactionId, callback, incoming.context.bpp_uri!, now);
  }

  /** Sends a search to every BPP we know; the offers come in on_search. */
  async search(owner: string, request: StorageSearchRequest): Promise<{ transactionId: string; messageIds: string[] }> {
    const transactionId = randomUUID();
    this.transactions.open(transactionId, owner, this.nowMs());
    const intent = intentOf(request);
    const messageIds = (await this.bpps()).map((bpp) => {
      const context = this.client.send('search', { ...bpp, transactionId }, { intent });
      this.transactions.sent(transactionId, context.message_id, bpp, this.nowMs());
      return context.message_id;
    });
    return { transactionId, messageIds };
  }

  /** A quote (select), the contract (confirm), its status or its cancellation, in a transaction that has met the BPP. */
  send(owner: string, transactionId: string, action: 'select' | 'init' | 'confirm', order: StorageOrderRequest): string;
  send(owner: string, transactionId: string, action: 'status' | 'cancel' | 'track', order: { bppId: string; orderId: string }): string;
  send(owner: string, transactionId: string, action: string, request: StorageOrderRequest | { bppId: string; orderId: string }): string {
    const t = this.known(owner, transactionId);
    const bppUri = t.bpps.get(request.bppId);
    if (bppUri === undefined) throw invalid('bppId', `no BPP ${request.bppId} has answered in transaction ${transactionId}`);
    const to = { bppId: request.bppId, bppUri, transactionId };
    const message =
      'orderId' in request
        ? action === 'cancel'
          ? { order_id: request.orderId, cancellation_reason_id: '001' }
          : { order_id: request.orderId }
        : { order: orderRequestOf(request) };
    const context = this.client.send(action as 'status', to, message as MessageOf<'status'>);
    this.transactions.sent(transactionId, context.message_id, { bppId: request.bppId, bppUri }, this.nowMs());
    return context.message_id;
  }

  /** A transaction as our users see it: the offers (cheapest stored price first), the callbacks, the order's latest state. */
  view(owner: string, transactionId: string) {
    const t = this.known(owner, transactionId);
    const offers = t.callbacks
      .filter((c) => c.action === 'on_search' && c.message)
      .flatMap((c) => offersOf(c.bppId, t.bpps.get(c.bppId) ?? '', c.message as MessageOf<'on_search'>))
      .sort((a, b) => a.storedPriceMicrosPerKwh - b.storedPriceMicrosPerKwh || a.batteryId.localeCompare(b.batteryId));
    const orders = t.callbacks.filter((c) => c.message !== undefined && (c.message as { order?: { id?: string } }).order?.id !== undefined);
    const order = (orders[orders.length - 1]?.message as { order?: unknown } | undefined)?.order;
    return { transactionId, offers, callbacks: t.callbacks, ...(order ? { order } : {}) };
  }

  private known(owner: string, transactionId: string): BapTransaction {
    const t = this.transactions.get(transactionId);
    if (t?.owner !== owner) {
      throw invalid('transactionId', `no transaction ${transactionId} of this BAP (kept an hour, 45 days once it has an order)`);
    }
    return t;
  }
}

function intentOf(r: StorageSearchRequest): NonNullable<MessageOf<'search'>['intent']> {
  const hasPoint = r.latitudeMicro !== undefined && r.longitudeMicro !== undefined && r.radiusM !== undefined;
  const stop = {
    ...(hasPoint
      ? {
          location: {
            circle: { gps: `${r.latitudeMicro! / 1e6}, ${r.longitudeMicro! / 1e6}`, radius: { value: String(r.radiusM), unit: 'm' } },
          },
        }
      : {}),
    ...(r.from !== undefined && r.to !== undefined ? { time: { range: { start: r.from, end: r.to } } } : {}),
  };
  const tags = [
    ...(r.minFreeWh !== undefined ? [{ descriptor: { code: 'reservable-wh' }, value: String(r.minFreeWh) }] : []),
    ...(r.maxStoredPriceMicrosPerKwh !== undefined
      ? [{ descriptor: { code: 'price-stored-micro-per-kwh' }, value: String(r.maxStoredPriceMicrosPerKwh) }]
      : []),
  ];
  return {
    item: { descriptor: { code: STORAGE_ITEM_CODE } },
    fulfillment: { type: STORAGE_FULFILLMENT_TYPE, stops: [stop] },
    ...(tags.length ? { tags: [{ descriptor: { code: STORAGE_TAG_GROUP }, list: tags }] } : {}),
  };
}

function orderRequestOf(r: StorageOrderRequest): MessageOf<'select'>['order'] {
  return {
    items: [{ id: r.batteryId, quantity: { selected: { measure: { value: String(r.reservedWh), unit: 'Wh' } } } }],
    fulfillments: [
      {
        type: STORAGE_FULFILLMENT_TYPE,
        stops: [
          { type: 'charge', time: { range: { start: r.from, end: r.to } } },
          { type: 'discharge', time: { range: { start: r.from, end: r.to } } },
        ],
      },
    ],
    payments: [{ type: 'PRE-FULFILLMENT', params: { currency: STORAGE_CURRENCY } }],
    ...(r.buyerId
      ? { tags: [{ descriptor: { code: BUYER_TAG_GROUP }, list: [{ descriptor: { code: BUYER_TAG }, value: r.buyerId }] }] }
      : {}),
  };
}

/** The offers of an on_search: each item whose storage tags read exactly. */
function offersOf(bppId: string, bppUri: string, m: MessageOf<'on_search'>): Offer[] {
  return (m.catalog.providers ?? []).flatMap((p) =>
    (p.items ?? []).flatMap((item) => {
      const tags = readStorageTags(item.tags);
      if (!tags.ok || item.id === undefined) return [];
      const a = tags.value;
      return [
        {
          bppId,
          bppUri,
          providerId: p.id ?? '',
          batteryId: item.id,
          freeWh: a['reservable-wh'],
          capacityWh: a['capacity-wh'],
          zone: a.zone,
          storedPriceMicrosPerKwh: a['price-stored-micro-per-kwh'],
          reservedPriceMicrosPerKwhDay: a['price-reserved-micro-per-kwh-day'],
          roundTripEfficiencyPpm: a['round-trip-efficiency-ppm'],
        },
      ];
    }),
  );
}
