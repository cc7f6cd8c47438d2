/**
 * Every key the chaincode writes: one table of key types, one helper that builds a key, one padding.
 * A key is a composite key `type~attribute~…` (Fabric's createCompositeKey); its type is a bare
 * camelCase name from KeyTypes (channel state) or PrivateKeyTypes (the consumption collection).
 * Numbers inside a key (seqs, history entries, pages) are seqKeyPart, so that key order is number order.
 *
 * Channel state, by contract (attributes after the type):
 * - registry: participant~id; meter~id; meterByParticipant~participant~meter;
 *   meterByCommunity~community~participant~meter
 * - metering: !reading~hour~meter~intervalStart (readingKey); readingHead~meter; gap~meter~afterSeq;
 *   readingHourArchive~hour (count and Merkle root of an hour's readings once they left the state);
 *   meteringParams (the one record); meteringParamsChange~txId
 * - energy: window / windowClose~community~intervalStart~length; estimate~meter~intervalStart;
 *   retiredGap~meter~afterSeq; position~participant~intervalStart;
 *   zoneInterval~intervalStart~length~community~zone; energyToken~owner~intervalStart~asset;
 *   tokenMove~participant~number; tokenMoveCount~participant; dispute~meter~intervalStart
 * - assets: site~id; siteByParticipant~participant~site; asset~id; assetByMeter~meter~asset;
 *   assetByParticipant~participant~asset; assetRecord~asset~number; assetVersion~asset~number (every
 *   version of the asset record: the peers keep no history database); preferences~participant
 * - credits: account~participant (available, escrowed, count of statement lines);
 *   statement~participant~number (one statement line, numbered from 1 in commit order by the count
 *   on the account record, which every transaction that adds a line writes anyway);
 *   bank~txId (a deposit or withdrawal: the only changes of the total supply);
 *   utilityEntry~community~intervalStart~entry (the utility's side of the postings of one settlement
 *   page, entry page-n, or of one correction, entry = its postingId); creditRef~actor~reference (a
 *   credit operation's client reference, for idempotent retries)
 * - market: marketParams~community~effectiveFrom (parameters in force from then, with the
 *   effectiveFrom of the entry before); marketParamsLatest~community (the latest: orders read it);
 *   marketParamsChange~community~number (who changed what, numbered from 1 by the count on the latest);
 *   order~community~intervalStart~bucket~orderId (bucket: the order id's first hex digit, so that a
 *   book is read in 16 range queries, each far below totalQueryLimit); orderBy~participant~intervalStart~orderId;
 *   clientOrder~participant~clientOrderId; orderRef~orderId; book~community~intervalStart~participant
 *   (a participant's side, open orders and sell energy in an interval);
 *   interval~community~intervalStart; intervalDue~community~status~intervalStart (intervals waiting
 *   for their next step); clearing~community~intervalStart (the compact clearing record) and its
 *   pages clearingPage~community~intervalStart~fills|trades~n; settlePositions~community~intervalStart
 *   (fixed by the first settlement page); settlePage~community~intervalStart~n (what page n applied);
 *   settlePlan~community~intervalStart~n (delivered Wh of the trades of trade page n ≥ 1);
 *   settlement~community~intervalStart (written by the last page); settled~community~intervalStart~participant;
 *   posting~community~intervalStart~postingId
 * - bilateral contracts: contract~id; contractBy~participant~id; contractDay~community~day~id (the
 *   active contracts delivering on a day); contractSettled~community~intervalStart
 * - certificates: certIssuance, certBundle, certHolding, certIssuer (certificates/store.ts);
 *   storageCharge~battery~chargeRecordId (a battery's storage charge record, certificates/storage.ts);
 *   matchingDay~community~dayStart (a community's matching totals of a day, recorded for the regulator)
 * - grid model: gridModel~community~effectiveFrom (the zones in force from then, with the
 *   effectiveFrom of the version before); gridModelLatest~community (the latest, written only by the
 *   utility's changes); gridModelChange~community~number (every change, who and when)
 *
 * - telemetry: telemetryInterval~community~zone~intervalStart (one zone's aggregate of one interval);
 *   gridAlert~community~alertId; gridAlertActive~community~alertId (deleted on clear); gridAlertAt~community~raisedAt~alertId
 * - island: island~community~since (a mode in force from then, with the since of the record before);
 *   islandLatest~community (the latest, written only by the utility's changes); islandChange~community~number (the history)
 *
 * - storage (docs/storage.md): battery~id; batteryAt~community~zone~battery (search index);
 *   batterySoc~battery (its state of charge, apart so reports never conflict with confirms);
 *   storageDay~battery~day (the reservations touching that UTC day); storageContract~id;
 *   storageContractBy~participant~contract (the buyer's and the provider's lists);
 *   batteryAsset~assetId (the battery a certificates' storage asset belongs to);
 *   storageFeedback~contract~kind~id (a contract's support tickets and ratings)
 *
 * - demand response: flexEvent~eventId; flexOptIn~eventId~participant; flexOptInBy~participant~start~eventId;
 *   flexResult~eventId~participant (the collection demandResponse: flexBaseline, flexPerformance ~eventId~participant)
 * - dispatch: flexResource~resourceId; flexResourceIn~community~resourceId; dispatch~community~dispatchId;
 *   dispatchOpen~community~dispatchId (requested or accepted, deleted once refused, non-responsive or settled);
 *   the lists' indexes (dispatch/lists.ts), written with their record: flexResourceBy~owner~community~resourceId;
 *   dispatchBy~owner~newest~community~dispatchId, dispatchIn~community~newest~dispatchId,
 *   dispatchFor~resource~newest~community~dispatchId (newest: 9999999999 − the request's seconds)
 *
 * None of these is written by every transaction (no hot key).
 */
import { Context } from 'fabric-contract-api';

export const KeyTypes = {
  participant: 'participant',
  meter: 'meter',
  meterByParticipant: 'meterByParticipant',
  meterByCommunity: 'meterByCommunity',
  /** Readings: see readingKey (the `!` makes the type sort before every other). */
  reading: '!reading',
  readingHead: 'readingHead',
  /** An archived hour of readings: readingHourArchive~hour (energy/archive.ts). */
  readingHourArchive: 'readingHourArchive',
  gap: 'gap',
  meteringParams: 'meteringParams',
  meteringParamsChange: 'meteringParamsChange',
  window: 'window',
  estimate: 'estimate',
  retiredGap: 'retiredGap',
  position: 'position',
  zoneInterval: 'zoneInterval',
  site: 'site',
  siteByParticipant: 'siteByParticipant',
  asset: 'asset',
  assetByMeter: 'assetByMeter',
  assetByParticipant: 'assetByParticipant',
  assetRecord: 'assetRecord',
  assetVersion: 'assetVersion',
  preferences: 'preferences',
  energyToken: 'energyToken',
  tokenMove: 'tokenMove',
  tokenMoveCount: 'tokenMoveCount',
  dispute: 'dispute',
  windowClose: 'windowClose',
  account: 'account',
  statement: 'statement',
  bank: 'bank',
  utilityEntry: 'utilityEntry',
  creditRef: 'creditRef',
  marketParams: 'marketParams',
  marketParamsLatest: 'marketParamsLatest',
  marketParamsChange: 'marketParamsChange',
  order: 'order',
  orderBy: 'orderBy',
  clientOrder: 'clientOrder',
  orderRef: 'orderRef',
  book: 'book',
  interval: 'interval',
  intervalDue: 'intervalDue',
  clearing: 'clearing',
  clearingPage: 'clearingPage',
  settlePositions: 'settlePositions',
  settlePage: 'settlePage',
  settlePlan: 'settlePlan',
  settlement: 'settlement',
  settled: 'settled',
  posting: 'posting',
  contract: 'contract',
  contractBy: 'contractBy',
  contractDay: 'contractDay',
  contractSettled: 'contractSettled',
  gridModel: 'gridModel',
  gridModelLatest: 'gridModelLatest',
  gridModelChange: 'gridModelChange',
  certIssuance: 'certIssuance',
  certBundle: 'certBundle',
  certHolding: 'certHolding',
  certIssuer: 'certIssuer',
  /** certRef~actor~reference: a certificate action's client reference and first result (certificates/reference.ts). */
  certRef: 'certRef',
  storageCharge: 'storageCharge',
  matchingDay: 'matchingDay',
  certChain: 'certChain',
  certAction: 'certAction',
  /** Telemetry (chaincode/src/telemetry): a zone's interval aggregate; an alert, the index of the active ones, the history by time. */
  telemetryInterval: 'telemetryInterval',
  gridAlert: 'gridAlert',
  gridAlertActive: 'gridAlertActive',
  gridAlertAt: 'gridAlertAt',
  /** Island mode (chaincode/src/grid/island.ts): a record in force from its since, the latest, every change. */
  island: 'island',
  islandLatest: 'islandLatest',
  islandChange: 'islandChange',
  /** Storage (chaincode/src/storage): batteries, their search index and state of charge, reservations per day, contracts. */
  battery: 'battery',
  batteryAt: 'batteryAt',
  batterySoc: 'batterySoc',
  storageDay: 'storageDay',
  storageContract: 'storageContract',
  /** Demand response (chaincode/src/flex): an event; an opt-in; a participant's opt-ins by start (overlaps, event days); a result. */
  flexEvent: 'flexEvent',
  /** A community's demand-response events by start (flex/contract.ts): flexEventIn~community~start~eventId. */
  flexEventIn: 'flexEventIn',
  flexOptIn: 'flexOptIn',
  flexOptInBy: 'flexOptInBy',
  flexResult: 'flexResult',
  /** Dispatch (chaincode/src/dispatch): a flexible resource, its community's index, a dispatch, the open ones of a community. */
  flexResource: 'flexResource',
  flexResourceIn: 'flexResourceIn',
  dispatch: 'dispatch',
  dispatchOpen: 'dispatchOpen',
  flexResourceBy: 'flexResourceBy',
  dispatchBy: 'dispatchBy',
  dispatchIn: 'dispatchIn',
  dispatchFor: 'dispatchFor',
  /** A VEN's OpenADR report on a demand-response event (chaincode/src/flex/reports.ts): flexReport~eventId~participant~reportId. */
  flexReport: 'flexReport',
  /**
   * List indexes (chaincode/src/lists): each written in the transaction that writes its record, so a list is one range read.
   * disputeOpen~community~meter~intervalStart (deleted on resolve); disputeBy~participant~meter~intervalStart;
   * assetUnverified~community~asset (deleted on verification); bankIn~community~at~txId and bankBy~participant~at~txId (a copy
   * of the immutable bank entry); participantIn~community~participant; contractIn~community~contract;
   * resultDesc~community~(9999999999 − start seconds) (the clearings newest first).
   */
  disputeOpen: 'disputeOpen',
  disputeBy: 'disputeBy',
  assetUnverified: 'assetUnverified',
  bankIn: 'bankIn',
  bankBy: 'bankBy',
  participantIn: 'participantIn',
  contractIn: 'contractIn',
  resultDesc: 'resultDesc',
  /**
   * Peer-to-peer offers (chaincode/src/p2p): an offer; the index of a community's offers by interval; a request under its
   * offer; what a participant traded peer to peer in an interval (sold, bought); a participant's mandate.
   */
  p2pOffer: 'p2pOffer',
  p2pOfferIn: 'p2pOfferIn',
  p2pRequest: 'p2pRequest',
  p2pTraded: 'p2pTraded',
  mandate: 'mandate',
  /** A batch of meter registrations (registry.registerMeterBatch): meterBatch~batchId, its digest and answer. */
  meterBatch: 'meterBatch',
  /**
   * Bundled claims cut back (chaincode/src/certificates/bundled-cuts.ts): the producer's side, one key per asset and
   * interval (bundledCut~producer~intervalStart~asset); the buyer's, one per cut move (bundledCutIn~buyer~intervalStart~
   * producer~asset~moveNumber).
   */
  bundledCut: 'bundledCut',
  bundledCutIn: 'bundledCutIn',
  /** An active contract's delivery days per party (market/bilateral-store.ts): contractPartyDay~participant~day~contractId. */
  contractPartyDay: 'contractPartyDay',
  /** A community's disputes by the instant of their resolution (lists/indexes.ts): disputeResolved~community~resolvedAt~meter~interval. */
  disputeResolved: 'disputeResolved',
  /** Load shedding (chaincode/src/grid/shedding.ts): an order by number, the latest, each interval of its window. */
  shedding: 'shedding',
  sheddingLatest: 'sheddingLatest',
  sheddingAt: 'sheddingAt',
  /** A participant's storage contracts, as buyer and as battery provider (storage/store.ts): storageContractBy~participant~contract. */
  storageContractBy: 'storageContractBy',
  /** The battery a certificates' storage asset is linked to (storage/batteries.ts): batteryAsset~assetId. */
  batteryAsset: 'batteryAsset',
  /** A storage contract's support tickets and ratings (storage/feedback.ts): storageFeedback~contract~kind~id. */
  storageFeedback: 'storageFeedback',
} as const;

/** Key types inside the consumption collection (energy/privacy.ts). */
export const PrivateKeyTypes = {
  readingChunk: 'readingChunk',
  estimateImport: 'estimateImport',
  positionPrivate: 'positionPrivate',
  disputeImport: 'disputeImport',
  /** In the demand-response collection (flex/store.ts): a fixed baseline and a participant's performance in an event. */
  flexBaseline: 'flexBaseline',
  flexPerformance: 'flexPerformance',
} as const;

export type KeyType = (typeof KeyTypes)[keyof typeof KeyTypes];
export type PrivateKeyType = (typeof PrivateKeyTypes)[keyof typeof PrivateKeyTypes];

/** The key of a record: its type and attributes. */
export function key(ctx: Context, type: KeyType | PrivateKeyType, ...attributes: string[]): string {
  return ctx.stub.createCompositeKey(type, attributes);
}

/**
 * A safe integer (at most 16 digits) as a key part, zero-padded so that key order is number order:
 * seqs (gap keys sort by afterSeq), the numbers of history entries (statement lines, token moves,
 * parameter changes) and page numbers.
 */
export const seqKeyPart = (seq: number): string => String(seq).padStart(16, '0');

/** The hour of an interval start (`2026-11-22T10`): the first part of a reading's key. */
export const readingHourOf = (intervalStart: string): string => intervalStart.slice(0, 13);

/**
 * A reading's key: its hour, meter and interval start, under a key type that sorts before every
 * other. LevelDB compacts each flush of the peer's state database with every table its key range
 * overlaps, and that range runs from the smallest key the flush wrote to the savepoint above all
 * data; keyed meter first, every flush overlapped all readings ever stored. Hour first, older
 * readings sort below whatever a block writes (docs/benchmarks.md, *The peers' CPU rises with the ledger*),
 * and a meter's readings of an hour are still one range (listReadings).
 */
export function readingKey(ctx: Context, meterId: string, intervalStart: string): string {
  return key(ctx, KeyTypes.reading, readingHourOf(intervalStart), meterId, intervalStart);
}
