/**
 * Result types shared by several transactions: the records the ledger stores and hands back.
 * Objects name their fields; fields a record does not always carry are optional, and a record may
 * carry fields not named here (the chaincode adds some), so a client reads what it knows.
 *
 * Over 400 lines: the schemas of every ledger record, one after another, so that each is defined
 * once and shared by every contract's catalogue.
 */
import { ROLES } from '../core/identity';
import { CHUNK_RELEASES } from '../metering/params';
import { Bool, Dict, Int, Nullable, OneOf, Opaque, Text, Type } from './schema';

export const Participant = Type.Object(
  {
    participantId: Text,
    role: OneOf(ROLES),
    displayName: Type.Optional(Text),
    mspId: Text,
    registeredAt: Text,
    registeredBy: Text,
    communityId: Type.Optional(Text),
  },
  { title: 'Participant' },
);

/** A meter exchange: a new device (key, seq, registers) from `effectiveFrom` on. */
export const MeterExchange = Type.Object(
  {
    meterId: Text,
    effectiveFrom: Text,
    publicKeyPem: Text,
    firstSeq: Int,
    importRegisterWh: Int,
    exportRegisterWh: Int,
    txId: Text,
    exchangedAt: Text,
  },
  { title: 'MeterExchange' },
);

export const Meter = Type.Object(
  {
    meterId: Text,
    participantId: Text,
    kind: OneOf(['production', 'consumption', 'bidirectional']),
    publicKeyPem: Text,
    exportCapacityW: Int,
    communityId: Text,
    mspId: Text,
    active: Bool,
    registeredAt: Text,
    registeredBy: Text,
    siteId: Type.Optional(Text),
    zone: Type.Optional(Text),
    importCapacityW: Type.Optional(Int),
    exchanges: Type.Optional(Type.Array(MeterExchange)),
    retiredAt: Type.Optional(Text),
  },
  { title: 'Meter' },
);

export const Reading = Type.Object(
  {
    meterId: Text,
    intervalStart: Text,
    seq: Int,
    exportWh: Int,
    importWh: Type.Optional(Int),
    importHash: Type.Optional(Text),
  },
  { title: 'Reading', description: 'A stored reading: importWh for the Community and Utility identities, its hash for the others' },
);

export const ReadingResults = Type.Object(
  {
    results: Type.Array(
      Type.Object({
        index: Int,
        meterId: Nullable(Text),
        intervalStart: Nullable(Text),
        status: OneOf(['accepted', 'duplicate', 'rejected']),
        code: Type.Optional(Text),
        message: Type.Optional(Text),
        details: Type.Optional(Dict(Type.Unknown())),
      }),
    ),
    txId: Text,
  },
  { title: 'ReadingResults' },
);

export const MeteringParams = Type.Object(
  {
    intervalSeconds: Int,
    lateWindowSeconds: Int,
    capacityTolerancePpm: Int,
    surplusThresholdWh: Int,
    closePageMeters: Int,
    archiveAfterSeconds: Int,
    disputeWindowSeconds: Int,
    correctionWindowSeconds: Int,
    chunkRelease: OneOf(CHUNK_RELEASES, {
      description: "how the private chunks of readings leaving the state go: delete (the members' store keeps past versions) or purge",
    }),
  },
  { title: 'MeteringParams' },
);

export const MarketParams = Type.Object(
  {
    communityId: Text,
    intervalSeconds: Int,
    gateClosureSeconds: Int,
    openingHorizonSeconds: Int,
    feedInMicrosPerKwh: Int,
    retailMicrosPerKwh: Int,
    gridFeeMicrosPerKwh: Int,
    kPpm: Int,
    clearingMethod: Type.Optional(OneOf(['uniform', 'zonal'])),
  },
  { title: 'MarketParams' },
);

export const Account = Type.Object({ participantId: Text, availableMicros: Int, escrowMicros: Int }, { title: 'Account' });

/** An order as the clearing takes it (core's Order). */
export const BookOrder = Type.Object(
  { orderId: Text, participantId: Text, side: OneOf(['buy', 'sell']), energyWh: Int, priceMicrosPerKwh: Int, placedAt: Text },
  { title: 'BookOrder' },
);

export const Order = Type.Object(
  {
    ...BookOrder.properties,
    clientOrderId: Text,
    communityId: Text,
    intervalStart: Text,
    status: OneOf(['open', 'cancelled']),
    escrowMicros: Int,
    txId: Text,
  },
  { title: 'Order' },
);

export const Fill = Type.Object(
  { orderId: Text, participantId: Text, side: OneOf(['buy', 'sell']), energyWh: Int, filledWh: Int },
  { title: 'Fill' },
);

export const Trade = Type.Object(
  {
    buyOrderId: Text,
    sellOrderId: Text,
    buyerId: Text,
    sellerId: Text,
    energyWh: Int,
    priceMicrosPerKwh: Int,
    amountMicros: Int,
    gridFeeMicros: Int,
    areaZoneId: Type.Optional(Text),
    buyerFeederZoneId: Type.Optional(Nullable(Text)),
    sellerFeederZoneId: Type.Optional(Nullable(Text)),
  },
  { title: 'Trade', description: 'A congested zonal clearing names the price area and the feeder (the grid operator) on either side' },
);

/** A zone of a community's grid model (chaincode/src/grid): its feeder's limits in W and loss factor. */
export const GridZone = Type.Object(
  { zoneId: Text, parentZoneId: Nullable(Text), exportLimitW: Int, importLimitW: Int, lossPpm: Int },
  { title: 'GridZone' },
);

/** A zone's price in a zonal clearing: its price area's. */
export const ZonePrice = Type.Object({ zoneId: Text, areaZoneId: Text, priceMicrosPerKwh: Nullable(Int) }, { title: 'ZonePrice' });

/** What one feeder carried in a zonal clearing. */
export const FeederFlow = Type.Object(
  {
    zoneId: Text,
    parentZoneId: Text,
    flowWh: Int,
    binding: Nullable(Type.String({ description: 'export or import: the limit the feeder is held at' })),
    lossWh: Int,
    lossMicros: Int,
    congestionRentMicros: Int,
  },
  { title: 'FeederFlow' },
);

export const Posting = Opaque('a settlement posting: postingId, payer, payee, amountMicros, reason');
export const TokenTransfer = Opaque('energy tokens moved from a seller to a buyer');

/** What a clearing answers and lists: the recomputable figures of one interval's clearing. */
const clearingSummaryFields = {
  communityId: Text,
  intervalStart: Text,
  inputDigest: Text,
  orderCount: Int,
  volumeWh: Int,
  priceMicrosPerKwh: Nullable(Int),
  lowerMicrosPerKwh: Nullable(Int),
  upperMicrosPerKwh: Nullable(Int),
  tradeCount: Int,
  clearedAt: Text,
  txId: Text,
};
export const ClearingSummary = Type.Object(clearingSummaryFields, { title: 'ClearingSummary' });

export const Clearing = Type.Object(
  {
    ...clearingSummaryFields,
    params: MarketParams,
    marginalBidMicrosPerKwh: Nullable(Int),
    marginalAskMicrosPerKwh: Nullable(Int),
    fillCount: Int,
    clearingMethod: Type.Optional(OneOf(['uniform', 'zonal'])),
    networkDigest: Type.Optional(Text),
    congested: Type.Optional(Bool),
    zones: Type.Optional(Type.Array(ZonePrice)),
    feeders: Type.Optional(Type.Array(FeederFlow)),
    island: Type.Optional(
      Opaque('an islanded clearing: mode, since, cause, demandWh, supplyWh, curtailedWh, curtailments (docs/islanding.md)'),
    ),
    shedding: Type.Optional(Opaque('the load shedding in force: orders, shedWh, sheds by participant (docs/islanding.md)')),
    pageItems: Int,
    fillPages: Int,
    tradePages: Int,
    fills: Type.Array(Fill),
    trades: Type.Array(Trade),
  },
  { title: 'Clearing' },
);

const pages = Type.Object({ pageCount: Int, pagesDone: Int });

export const Interval = Type.Object(
  {
    communityId: Text,
    intervalStart: Text,
    status: OneOf(['not-open', 'open', 'gate-closed', 'closed', 'clearing', 'cleared', 'settling', 'settled']),
    params: MarketParams,
    closedAt: Type.Optional(Text),
    closedBy: Type.Optional(Text),
    clearedAt: Type.Optional(Text),
    clearing: Type.Optional(pages),
    settlement: Type.Optional(pages),
    settledAt: Type.Optional(Text),
  },
  { title: 'Interval', description: 'Before it closes: its phase for orders (not-open, open, gate-closed) and the parameters in force' },
);

export const Contract = Type.Object(
  {
    contractId: Text,
    clientContractId: Text,
    communityId: Text,
    sellerId: Text,
    buyerId: Text,
    energyWhPerInterval: Int,
    priceMicrosPerKwh: Int,
    firstDay: Text,
    lastDay: Text,
    dailyFrom: Text,
    dailyTo: Text,
    status: OneOf(['proposed', 'active', 'withdrawn']),
    proposedBy: Text,
    proposedAt: Text,
    acceptedAt: Type.Optional(Text),
    withdrawnAt: Type.Optional(Text),
    intervalSeconds: Int,
    gridFeeMicrosPerKwh: Int,
    escrowMicros: Int,
    escrowTaken: Bool,
    txId: Text,
    /** A peer-to-peer trade: the offer and the request it was made of (docs/p2p.md). */
    p2p: Type.Optional(Type.Object({ offerId: Text, requestId: Text })),
  },
  { title: 'Contract' },
);

export const ContractSettlement = Type.Object(
  {
    communityId: Text,
    intervalStart: Text,
    settledAt: Text,
    txId: Text,
    contractIds: Type.Array(Text),
    parties: Type.Array(Opaque("a party's contract settlement")),
    postings: Type.Array(Posting),
  },
  { title: 'ContractSettlement' },
);

export const Site = Type.Object(
  { siteId: Text, participantId: Text, connectionCapacityW: Int, zone: Text, feeder: Type.Optional(Text), mspId: Text, registeredAt: Text },
  { title: 'Site' },
);

/** A maintenance or inspection record: `number` counts the asset's records from 1, in commit order. */
export const AssetEntry = Type.Object(
  {
    kind: OneOf(['maintenance', 'inspection']),
    performedOn: Text,
    note: Text,
    documentHash: Type.Optional(Text),
    number: Int,
    txId: Text,
    recordedAt: Text,
  },
  { title: 'AssetEntry' },
);

export const Asset = Type.Object(
  {
    assetId: Text,
    participantId: Text,
    meterId: Text,
    source: Text,
    capacityW: Int,
    mspId: Text,
    registeredAt: Text,
    registeredBy: Text,
    verification: Nullable(Type.Object({ verifiedBy: Text, verifiedAt: Text, txId: Text })),
    lastRecord: Nullable(AssetEntry),
  },
  { title: 'Asset', description: 'A generation asset as registered; verification is null until the regulator verifies it' },
);

export const Preferences = Type.Object({ participantId: Text }, { title: 'Preferences', description: 'Sources and locality for matching' });

export const Window = Type.Object(
  {
    communityId: Text,
    intervalStart: Text,
    closed: Type.Optional(Bool),
    closedAt: Type.Optional(Text),
    participantIds: Type.Optional(Type.Array(Text)),
  },
  { title: 'Window', description: 'A closed window (closedAt, counts, participant ids) or `closed: false`' },
);

export const Position = Type.Object(
  { participantId: Text, intervalStart: Text, productionWh: Int, estimated: Bool, balance: OneOf(['surplus', 'deficit', 'balanced']) },
  { title: 'Position' },
);

export const PositionAnnouncement = Opaque("a participant's position as announced: surplus or deficit, estimated");

export const Estimate = Type.Object({ meterId: Text, intervalStart: Text }, { title: 'Estimate' });

export const Dispute = Type.Object({ meterId: Text, intervalStart: Text, reason: Text }, { title: 'Dispute' });

export const CommunityView = Type.Object(
  {
    communityId: Text,
    intervalStart: Text,
    productionWh: Int,
    consumptionWh: Int,
    netExchangeWh: Int,
    estimatedMeters: Int,
    zones: Type.Array(Opaque("a zone's totals")),
  },
  { title: 'CommunityView' },
);

/** The EnergyTag GC v2 attributes every bundle of one issuance shares (core's CertificateAttributes). */
export const CertificateAttributes = Type.Object(
  {
    issuanceId: Text,
    energyCarrier: OneOf(['electricity']),
    technology: Text,
    deviceId: Text,
    deviceName: Text,
    deviceCapacityW: Int,
    deviceOperationalOn: Text,
    deviceLocation: Text,
    zone: Text,
    productionStart: Text,
    productionEnd: Text,
    issuingBody: Text,
    issuedFrom: OneOf(['production', 'storage']),
  },
  { title: 'CertificateAttributes' },
);

/** A certificate's status at the reading transaction's time: expired is read from its clock, never stored. */
export const CertificateStatus = OneOf(['active', 'reserved', 'cancelled', 'withdrawn', 'expired']);

/** How certificates were cancelled: claimed for a consumer (final), or into a battery's storage charge record. */
const Cancellation = Type.Union([
  Type.Object({
    kind: OneOf(['claim']),
    beneficiary: Text,
    purpose: Text,
    consumptionPeriodStart: Text,
    consumptionPeriodEnd: Text,
    location: Text,
    cancelledAt: Text,
  }),
  Type.Object({ kind: OneOf(['storage-charge']), storageAssetId: Text, chargeRecordId: Text, cancelledAt: Text }),
]);

/**
 * A bundle of consecutive certificates (1 Wh each) of one issuance as readers see it: its id (its
 * first certificate's), its Wh and its status at the reading transaction's time (expired is read,
 * never stored).
 */
export const CertificateBundle = Type.Object(
  {
    bundleId: Text,
    issuanceId: Text,
    rangeStart: Int,
    rangeEnd: Int,
    quantityWh: Int,
    owner: Text,
    status: CertificateStatus,
    deviceId: Text,
    energySource: Text,
    issuedFrom: OneOf(['production', 'storage']),
    productionStart: Text,
    productionEnd: Text,
    issuedAt: Text,
    expiresAt: Text,
    chargeRecordId: Type.Optional(Text),
    reservation: Type.Optional(Type.Object({ transferId: Text, to: Text })),
    cancellation: Type.Optional(Cancellation),
    withdrawal: Type.Optional(
      Type.Object({
        cause: OneOf(['regulator', 'lowered-figure', 'derived']),
        reason: Text,
        withdrawnAt: Text,
        previousStatus: CertificateStatus,
        derivedFrom: Type.Optional(Text),
      }),
    ),
  },
  { title: 'CertificateBundle' },
);

/** Where an archived hour of readings went (docs/bounded-state.md): its count, Merkle root and last archive transaction. */
export const ArchivedHour = Type.Object({ hour: Text, count: Int, root: Text, lastTxId: Text, done: Bool }, { title: 'ArchivedHour' });
