/**
 * Who sees which chaincode event on GET /events: the same rules as the REST reads.
 *
 * Operators, the utility, the regulator and the bridges see every event (none carries a household's
 * consumption: that stays in the private collection). A household (prosumer, consumer, battery
 * provider) sees public market aggregates and its own records; of an event that speaks of many
 * participants it sees its own part only, and nothing at all of an event that is not about it.
 * An event this table does not name is not shown to a household: a new event is private until it
 * is listed here (docs/security.md, *What is public*).
 */
import type { WalletUser } from '@gridledger/network';
import { isSelfActing } from '@gridledger/core/core';

export interface Viewer {
  /** Undefined: the caller sees every event. */
  participantId?: string;
  /** The household's meters (refreshed from MeterRegistered events of its own). */
  meterIds: Set<string>;
}

export function viewerOf(caller: WalletUser, meterIds: Iterable<string> = []): Viewer {
  return isSelfActing(caller.role) ? { participantId: caller.participantId ?? '', meterIds: new Set(meterIds) } : { meterIds: new Set() };
}

export const seesEverything = (viewer: Viewer): boolean => viewer.participantId === undefined;

type Payload = Record<string, unknown>;
type Rule = (payload: Payload, viewer: Viewer) => Payload | undefined;

const isObject = (v: unknown): v is Payload => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Payload[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** Public: the same for everyone. */
const everyone: Rule = (p) => p;
/** Only the participant named by `field`. */
const ownBy =
  (...fields: string[]): Rule =>
  (p, v) =>
    fields.some((f) => p[f] === v.participantId) ? p : undefined;
/** The viewer's own position announcements only. */
const ownPositions: Rule = (p, v) => ({ ...p, positions: list(p.positions).filter((x) => x.participantId === v.participantId) });

/** A seller's batch: the seller sees it all, a buyer its own entries of `field`, anyone else nothing. */
function ownTrades(p: Payload, v: Viewer, field: string): Payload | undefined {
  if (p.sellerId === v.participantId) return p;
  const own = list(p[field]).filter((t) => t.buyerId === v.participantId);
  return own.length > 0 ? { ...p, [field]: own } : undefined;
}

const RULES: Record<string, Rule> = {
  // Public market aggregates: the clearing price and volume, an interval's phase, the parameters.
  IntervalCleared: everyone,
  MarketParamsChanged: everyone,
  MeteringParamsChanged: everyone,
  // The metering window's close carries every participant's position announcement: a household
  // keeps its own and the zone totals.
  WindowClosed: ownPositions,
  // The market interval's close is public. A ledger written before the window's close was renamed
  // (issue 29) carries that close under this name, with every position: cut those likewise.
  IntervalClosed: (p, v) => (Array.isArray(p.positions) ? ownPositions(p, v) : p),
  IntervalSettled: (p, v) => ({
    ...p,
    estimatedParticipantIds: (Array.isArray(p.estimatedParticipantIds) ? p.estimatedParticipantIds : []).filter(
      (id) => id === v.participantId,
    ),
  }),
  // A household's own records.
  ParticipantRegistered: ownBy('participantId'),
  MeterRegistered: ownBy('participantId'),
  // A batch of meters: a household sees its own meters of it only, nothing when none is its own.
  MeterBatchRegistered: (p, v) => {
    const meters = list(p.meters).filter((m) => m.participantId === v.participantId);
    return meters.length > 0 ? { ...p, meters } : undefined;
  },
  MeterExchanged: ownBy('participantId'),
  AssetRegistered: ownBy('participantId'),
  AssetVerified: ownBy('participantId'),
  CreditsIssued: ownBy('participantId'),
  CreditsRedeemed: ownBy('participantId'),
  CreditsTransferred: ownBy('from', 'to'),
  SettlementCorrected: ownBy('participantId'),
  OrderAccepted: ownBy('participantId'),
  OrderCancelled: ownBy('participantId'),
  OrdersAccepted: (p, v) => {
    const orders = list(p.orders).filter((o) => o.participantId === v.participantId);
    return orders.length > 0 ? { ...p, orders } : undefined;
  },
  ContractProposed: ownBy('sellerId', 'buyerId'),
  ContractAccepted: ownBy('sellerId', 'buyerId'),
  ContractWithdrawn: ownBy('sellerId', 'buyerId'),
  // Peer-to-peer offers (docs/p2p.md): offers are announcements; a request and its decision are for its seller and buyer.
  P2pOfferCreated: everyone,
  P2pOfferCancelled: everyone,
  P2pRequestCreated: ownBy('sellerId', 'buyerId'),
  P2pRequestWithdrawn: ownBy('sellerId', 'buyerId'),
  P2pRequestsAccepted: (p, v) => ownTrades(p, v, 'trades'),
  P2pRequestsRefused: (p, v) => ownTrades(p, v, 'requests'),
  MandateSet: ownBy('participantId'),
  // Certificates: the producer and the holders involved (docs/certificates.md, "Events").
  CertificatesIssued: ownBy('producerId'),
  // A batch issuance: a producer sees its own asset-hours only, nothing when none is its own.
  CertificatesBatchIssued: (p, v) => {
    const issuances = list(p.issuances).filter((i) => i.producerId === v.participantId);
    return issuances.length > 0 ? { ...p, issuances } : undefined;
  },
  CertificatesTransferred: ownBy('producerId', 'from', 'to'),
  CertificatesClaimed: ownBy('producerId', 'holder'),
  // A withdrawal: the producer sees it whole, a holder its own bundles and a buyer its own cut bundled claims only.
  CertificatesWithdrawn: (p, v) => {
    if (p.producerId === v.participantId) return p;
    const bundles = list(p.bundles).filter((b) => b.holder === v.participantId);
    const bundledClaims = list(p.bundledClaims).filter((c) => c.buyerId === v.participantId);
    return bundles.length + bundledClaims.length > 0 ? { ...p, bundles, bundledClaims } : undefined;
  },
  // A pending transfer and its release: the producer and both sides.
  CertificatesReserved: ownBy('producerId', 'from', 'to'),
  CertificatesReservationReleased: ownBy('producerId', 'from', 'to'),
  // An expiry record: the holder it ran for whole, an owner of a bundle in it (reserved for that holder) its own bundles only.
  CertificatesExpired: (p, v) => {
    if (p.holder === v.participantId) return p;
    const bundles = list(p.bundles).filter((b) => b.owner === v.participantId);
    return bundles.length > 0 ? { ...p, bundles } : undefined;
  },
  // Storage (docs/storage.md, "Events"): a battery's records are its provider's; a contract's its buyer's and provider's.
  BatteryRegistered: ownBy('providerId'),
  BatteryAssetLinked: ownBy('providerId'),
  BatteryStateOfCharge: ownBy('providerId'),
  StorageConfirmed: ownBy('buyerId', 'providerId'),
  StorageCancelled: ownBy('buyerId', 'providerId'),
  StorageSettled: ownBy('buyerId', 'providerId'),
  StorageFeedbackRecorded: ownBy('buyerId', 'providerId'),
  ReadingDisputed: ownBy('participantId'),
  DisputeResolved: ownBy('participantId'),
  // A readings transaction: the household's own readings, gaps and corrections; nothing when none.
  ReadingsRecorded: (p, v) => {
    const accepted = list(p.accepted).filter((r) => v.meterIds.has(String(r.meterId)));
    const gapsOpened = list(p.gapsOpened).filter((g) => v.meterIds.has(String(g.meterId)));
    const corrections = list(p.corrections).filter((c) => c.participantId === v.participantId);
    if (accepted.length + gapsOpened.length + corrections.length === 0) return undefined;
    return { txId: p.txId, accepted, gapsOpened, ...(corrections.length > 0 ? { corrections } : {}) };
  },
  // Demand response (docs/flexibility.md): every household sees a call (without the caller's identity) to answer it;
  // answers, baselines and results are its own.
  FlexEventCalled: ({ calledBy: _by, ...event }) => event,
  FlexOptInChanged: ownBy('participantId'),
  FlexBaselineFixed: ownBy('participantId'),
  FlexEventSettled: ownBy('participantId'),
  FlexReportRecorded: ownBy('participantId'),
  // Dispatch (docs/dispatch.md): a resource and the dispatches sent to it are its owner's, as GET /resources and GET /dispatches.
  FlexResourceRegistered: ownBy('ownerId'),
  DispatchRequested: ownBy('ownerId'),
  DispatchAcknowledged: ownBy('ownerId'),
  DispatchNonResponsive: ownBy('ownerId'),
  DispatchSettled: ownBy('ownerId'),
  DispatchResettled: ownBy('ownerId'),
};

/** What of an event's payload the viewer sees; undefined when nothing. */
export function visiblePayload(viewer: Viewer, name: string, payload: unknown): unknown {
  if (seesEverything(viewer)) return payload;
  const rule = RULES[name];
  if (rule === undefined || !isObject(payload)) return undefined;
  return rule(payload, viewer);
}

/** A household's new meter, from an event it sees: so that the stream shows that meter's readings from then on. */
export function noteOwnMeter(viewer: Viewer, name: string, payload: unknown): void {
  if (seesEverything(viewer) || !isObject(payload)) return;
  if (
    (name === 'MeterRegistered' || name === 'MeterExchanged') &&
    payload.participantId === viewer.participantId &&
    typeof payload.meterId === 'string'
  ) {
    viewer.meterIds.add(payload.meterId);
  }
  if (name === 'MeterBatchRegistered') {
    for (const m of list(payload.meters))
      if (m.participantId === viewer.participantId && typeof m.meterId === 'string') viewer.meterIds.add(m.meterId);
  }
}
