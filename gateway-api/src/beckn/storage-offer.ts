/**
 * The storage profile's messages built from and read into the ledger's records (docs/beckn.md,
 * "The storage profile"): a battery hit as a catalog item, a storage contract as an order, a
 * search intent as the ledger's search request, an order as a reservation request. Pure.
 */
import { BecknError, BecknErrorCodes } from './error-codes';
import { STORAGE_FULFILLMENT_TYPE, STORAGE_ITEM_CODE, STORAGE_TAG_GROUP, storageTags } from './storage-profile';
import type { MessageOf } from './schemas';
import { invoiceOf, microsText, price, STORAGE_CURRENCY, type SettlementRecord } from './storage-invoice';

export { microsText, STORAGE_CURRENCY };
/** The order's tag group that names the buyer, one of our participants (docs/beckn.md, "Who pays"). */
export const BUYER_TAG_GROUP = 'buyer';
export const BUYER_TAG = 'participant-id';

type Order = MessageOf<'confirm'>['order'];
type Intent = NonNullable<MessageOf<'search'>['intent']>;
type Catalog = MessageOf<'on_search'>['catalog'];

export interface BatteryRecord {
  batteryId: string;
  providerId: string;
  communityId: string;
  zone: string;
  meterId: string;
  capacityWh: number;
  maxChargeW: number;
  maxDischargeW: number;
  roundTripEfficiencyPpm: number;
  latitudeMicro: number;
  longitudeMicro: number;
  availability: { from: string; to: string }[];
  storedPriceMicrosPerKwh: number;
  reservedPriceMicrosPerKwhDay: number;
}

export interface ContractRecord {
  contractId: string;
  batteryId: string;
  providerId: string;
  buyerId: string;
  reservedWh: number;
  from: string;
  to: string;
  escrowMicros: number;
  status: 'confirmed' | 'active' | 'completed' | 'cancelled';
  cancellation?: { refundMicros: number; feeMicros: number; txId?: string };
  settlement?: SettlementRecord;
}

const gpsOf = (latMicro: number, lonMicro: number) => `${latMicro / 1_000_000}, ${lonMicro / 1_000_000}`;
const siteOf = (batteryId: string) => `${batteryId}.site`;

/** The ledger's search request from an intent: the circle's point and radius (km), the stop's window, the storage tags. */
export function searchRequestOf(intent: Intent | undefined, communityId?: string): Record<string, unknown> {
  const out: Record<string, unknown> = communityId === undefined ? {} : { communityId };
  const stop = intent?.fulfillment?.stops?.[0];
  const circle = stop?.location?.circle;
  if (circle) {
    const [lat, lon] = circle.gps.split(',').map((s) => Number(s.trim()));
    const unit = circle.radius.unit ?? 'km';
    const metres = Number(circle.radius.value) * (unit === 'm' ? 1 : 1000);
    Object.assign(out, { latitudeMicro: Math.round(lat * 1e6), longitudeMicro: Math.round(lon * 1e6), radiusM: Math.round(metres) });
  }
  const range = stop?.time?.range;
  if (range?.start !== undefined && range.end !== undefined) Object.assign(out, { from: instantOf(range.start), to: instantOf(range.end) });
  const tags = new Map(
    (intent?.tags ?? [])
      .filter((g) => g.descriptor?.code === STORAGE_TAG_GROUP)
      .flatMap((g) => (g.list ?? []).map((t) => [t.descriptor?.code, t.value])),
  );
  const wanted = tags.get('reservable-wh');
  if (wanted !== undefined) out.minFreeWh = Number(wanted);
  const most = tags.get('price-stored-micro-per-kwh');
  if (most !== undefined) out.maxStoredPriceMicrosPerKwh = Number(most);
  return out;
}

/** An RFC 3339 instant in the ledger's spelling (UTC, seconds): 2026-12-01T00:00:00Z. */
export const instantOf = (rfc3339: string): string => new Date(Date.parse(rfc3339)).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** One battery offered over a window as a catalog item, with its free capacity. */
function itemOf(b: BatteryRecord, freeWh: number, window: { from: string; to: string } | undefined) {
  return {
    id: b.batteryId,
    descriptor: { name: `Battery ${b.batteryId}`, code: STORAGE_ITEM_CODE },
    price: price(b.storedPriceMicrosPerKwh),
    quantity: { available: { count: 1, measure: { value: String(freeWh), unit: 'Wh' } } },
    ...(window ? { time: { range: { start: window.from, end: window.to } } } : {}),
    location_ids: [siteOf(b.batteryId)],
    fulfillment_ids: [STORAGE_FULFILLMENT_TYPE],
    tags: [
      storageTags({
        'capacity-wh': b.capacityWh,
        'reservable-wh': freeWh,
        'max-charge-w': b.maxChargeW,
        'max-discharge-w': b.maxDischargeW,
        'round-trip-efficiency-ppm': b.roundTripEfficiencyPpm,
        'price-stored-micro-per-kwh': b.storedPriceMicrosPerKwh,
        'price-reserved-micro-per-kwh-day': b.reservedPriceMicrosPerKwhDay,
        zone: b.zone,
        'meter-id': b.meterId,
        'source-type': 'BATTERY',
      }),
    ],
  };
}

/** The catalog of the ledger's hits: one provider per battery provider, an item per battery. */
export function catalogOf(hits: readonly { battery: BatteryRecord; freeWh: number }[], window?: { from: string; to: string }): Catalog {
  const providers = new Map<string, NonNullable<Catalog['providers']>[number]>();
  for (const { battery: b, freeWh } of hits) {
    const p = providers.get(b.providerId) ?? { id: b.providerId, descriptor: { name: b.providerId }, locations: [], items: [] };
    p.locations!.push({ id: siteOf(b.batteryId), gps: gpsOf(b.latitudeMicro, b.longitudeMicro), area_code: b.zone });
    p.items!.push(itemOf(b, freeWh, window ?? b.availability[0]));
    providers.set(b.providerId, p);
  }
  return {
    descriptor: { name: 'GridLedger battery storage' },
    fulfillments: [{ id: STORAGE_FULFILLMENT_TYPE, type: STORAGE_FULFILLMENT_TYPE }],
    providers: [...providers.values()],
  };
}

export interface ReservationAsked {
  batteryId: string;
  reservedWh: number;
  from: string;
  to: string;
  buyerId?: string;
}

const bad = (path: string, message: string) => new BecknError(BecknErrorCodes.INVALID_REQUEST, message, path);

/** What an order asks: its item (the battery), the Wh selected, the window of its stops, the buyer named in its tags. */
export function reservationOf(order: Order): ReservationAsked {
  const item = order.items?.[0];
  if (item?.id === undefined) throw bad('message.order.items[0].id', 'an order names one battery as its item');
  const wh = item.quantity?.selected?.measure?.value;
  if (wh === undefined || !/^[1-9]\d{0,12}$/.test(wh)) {
    throw bad('message.order.items[0].quantity.selected.measure.value', 'the reserved capacity is a whole number of Wh');
  }
  const stops = order.fulfillments?.[0]?.stops ?? [];
  const start = stops[0]?.time?.range?.start;
  const end = stops[stops.length - 1]?.time?.range?.end;
  if (start === undefined || end === undefined) throw bad('message.order.fulfillments[0].stops', 'the stops give the window (time.range)');
  const buyerId = order.tags
    ?.find((g) => g.descriptor?.code === BUYER_TAG_GROUP)
    ?.list?.find((t) => t.descriptor?.code === BUYER_TAG)?.value;
  return { batteryId: item.id, reservedWh: Number(wh), from: instantOf(start), to: instantOf(end), ...(buyerId ? { buyerId } : {}) };
}

/** A battery's last state of charge as the ledger keeps it (reported by its provider or the device bridge). */
export interface StateOfCharge {
  socWh: number;
  socPpm: number;
  reportedAt: string;
  /** The report's transaction (the unsolicited on_status tells each report once). */
  txId?: string;
}

/**
 * The fulfillment's `storage-state` tags of a contract: the battery's last state of charge (and when
 * it was reported), and once settled the contract's energy in and out and its efficiency.
 */
function storageStateTags(contract: ContractRecord, soc: StateOfCharge | null | undefined) {
  const s = contract.settlement as (ContractRecord['settlement'] & { efficiencyPpm?: number | null }) | undefined;
  const list = [
    ...(soc
      ? [
          { descriptor: { code: 'soc-wh' }, value: String(soc.socWh) },
          { descriptor: { code: 'soc-ppm' }, value: String(soc.socPpm) },
          { descriptor: { code: 'soc-reported-at' }, value: soc.reportedAt },
        ]
      : []),
    ...(s
      ? [
          { descriptor: { code: 'in-wh' }, value: String(s.inWh) },
          { descriptor: { code: 'out-wh' }, value: String(s.outWh) },
          ...(typeof s.efficiencyPpm === 'number' ? [{ descriptor: { code: 'efficiency-ppm' }, value: String(s.efficiencyPpm) }] : []),
        ]
      : []),
  ];
  return list.length ? [{ descriptor: { code: 'storage-state' }, list }] : [];
}

/** The order of a reservation (asked or confirmed) with its price: quote and payment; a contract's with its battery's state. */
export function orderOf(
  r: ReservationAsked,
  money: { reservationFeeMicros: number; maxStorageFeeMicros: number; escrowMicros: number },
  providerId: string,
  contract?: ContractRecord,
  soc?: StateOfCharge | null,
): Order {
  const state = contract ? storageStateTags(contract, soc) : [];
  const order: Order = {
    provider: { id: providerId },
    items: [{ id: r.batteryId, quantity: { selected: { measure: { value: String(r.reservedWh), unit: 'Wh' } } } }],
    fulfillments: [
      {
        id: STORAGE_FULFILLMENT_TYPE,
        type: STORAGE_FULFILLMENT_TYPE,
        stops: [
          { type: 'charge', time: { range: { start: r.from, end: r.to } } },
          { type: 'discharge', time: { range: { start: r.from, end: r.to } } },
        ],
        ...(contract ? { state: { descriptor: { code: contract.status.toUpperCase() } } } : {}),
        ...(state.length ? { tags: state } : {}),
      },
    ],
    quote: {
      price: price(money.escrowMicros),
      breakup: [
        { title: 'reserved capacity', price: price(money.reservationFeeMicros) },
        { title: 'stored energy (at most)', price: price(money.maxStorageFeeMicros) },
      ],
    },
    payments: [
      {
        type: 'PRE-FULFILLMENT',
        collected_by: 'BPP',
        status: contract ? 'PAID' : 'NOT-PAID',
        params: { amount: microsText(money.escrowMicros), currency: STORAGE_CURRENCY },
      },
    ],
    ...(r.buyerId
      ? { tags: [{ descriptor: { code: BUYER_TAG_GROUP }, list: [{ descriptor: { code: BUYER_TAG }, value: r.buyerId }] }] }
      : {}),
  };
  if (!contract) return order;
  const outcome = contract.cancellation ?? contract.settlement;
  return {
    ...order,
    // A contract that has ended carries its invoice: billing, the final quote and the payment settled.
    ...invoiceOf(contract),
    id: contract.contractId,
    status: { confirmed: 'ACTIVE', active: 'ACTIVE', completed: 'COMPLETE', cancelled: 'CANCELLED' }[contract.status],
    ...(outcome
      ? {
          tags: [
            ...(order.tags ?? []),
            {
              descriptor: { code: 'storage-outcome' },
              list: [
                { descriptor: { code: 'refund-micros' }, value: String(outcome.refundMicros) },
                ...(contract.cancellation ? [{ descriptor: { code: 'fee-micros' }, value: String(contract.cancellation.feeMicros) }] : []),
                ...(contract.settlement
                  ? [
                      { descriptor: { code: 'in-wh' }, value: String(contract.settlement.inWh) },
                      { descriptor: { code: 'out-wh' }, value: String(contract.settlement.outWh) },
                      { descriptor: { code: 'payment-micros' }, value: String(contract.settlement.paymentMicros) },
                    ]
                  : []),
              ],
            },
          ],
        }
      : {}),
  };
}
