/**
 * The access table (gateway-api/src/access-table.ts, docs/security.md "Access table") on the real
 * network: for every row and every caller it names, one request with the ids of household A's
 * records filled in ("another's": household B's key on them), valid by the OpenAPI document.
 * Refused: the row's status and code. Allowed: neither 401 nor 403; a write that is allowed is made
 * to fail in the domain after the access check (an unknown community, participant or order, a
 * record that exists) or touches only A's own records, in a community of this file's own, so the
 * files after this one find the platform as it was. Rows without a route go straight to a peer
 * with the caller's own certificate.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { formatInstant } from '@gridledger/core/core';
import { UNLIMITED_MANDATE } from '@gridledger/core/p2p';
import { Access, ACCESS_TABLE, AccessRow, CALLERS, CallerClass, hashKey, keyIdOf } from '@gridledger/gateway-api';
import { ledgerClient, OrgName, WalletUser } from '@gridledger/network';
import { QUARTER_HOUR_MARKET, trader, Trader } from './market-support';
import {
  type JsonAnswer,
  api,
  chaincodeCodeOf,
  ApiResult,
  credentials,
  enrolledUser,
  operatorKey,
  pastInterval,
  profile,
  signReading,
  stateDir,
  uid,
} from './support';

const C = uid('acc');
/** A community no market, window or settlement exists for: allowed writes there fail after the access check. */
const NOCOMM = uid('nocomm');
const INTERVAL = 900;
const marketParams = { ...QUARTER_HOUR_MARKET, intervalSeconds: INTERVAL };
const PAST = pastInterval(2);
/** An hour no certificate of this file's assets is issued for. */
const HOUR = '2026-11-21T10:00:00Z';
const HOUR_TAG = '20261121T10Z';
const HOUR_PERIOD = `from=${encodeURIComponent(HOUR)}&to=${encodeURIComponent('2026-11-21T11:00:00Z')}`;
const DAY_PERIOD = `from=${encodeURIComponent('2026-11-21T00:00:00Z')}&to=${encodeURIComponent('2026-11-22T00:00:00Z')}`;
const HOUR_END = '2026-11-21T11:00:00Z';
/** An interval whose gate is still open for the whole file. */
const NEXT = formatInstant(Math.ceil((Date.now() / 1000 + 20 * 60) / INTERVAL) * INTERVAL);
const TOMORROW = formatInstant(Math.floor(Date.now() / 86_400_000) * 86_400 + 86_400).slice(0, 10);
const publicKeyPem = () =>
  generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const MAIN = join(__dirname, '..', '..', 'gateway-api', 'dist', 'main.js');
/** A further API key of a household, issued by the gateway's CLI; its id. */
const spareKey = (participantId: string) =>
  keyIdOf(
    hashKey(
      execFileSync(process.execPath, [MAIN, 'issue-key', '--state', stateDir(), '--org', 'community', '--user', participantId], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim(),
    ),
  );

interface Fixtures {
  a: Trader;
  b: Trader;
  /** A's counterparty in its contract. */
  x: Trader;
  spareMeterId: string;
  siteId: string;
  assetId: string;
  orderId: string;
  contractId: string;
  keys: { main: string; rotate: string; revokeSelf: string; revokeOperator: string };
  /** A's battery and a dispatch of it (docs/dispatch.md; in this file's community, which no dispatch service serves). */
  resourceId: string;
  dispatchId: string;
  /** A's offer, and A's request on X's offer (docs/p2p.md). */
  offerId: string;
  xOfferId: string;
  requestId: string;
}
let f: Fixtures;

const ORG: Record<CallerClass, OrgName> = {
  self: 'community',
  other: 'community',
  operator: 'community',
  utility: 'utility',
  regulator: 'regulator',
};
function keyOf(who: CallerClass): string {
  const apiKeys = credentials().apiKeys;
  return {
    self: f.a.apiKey,
    other: f.b.apiKey,
    operator: operatorKey(),
    utility: apiKeys.utility.utility,
    regulator: apiKeys.regulator.regulator,
  }[who];
}
function identityOf(who: CallerClass): WalletUser {
  const orgs = profile().orgs;
  return {
    self: () => enrolledUser('community', f.a.participantId),
    other: () => enrolledUser('community', f.b.participantId),
    operator: () => orgs.community.users['community-operator'],
    utility: () => orgs.utility.users.utility,
    regulator: () => orgs.regulator.users.regulator,
  }[who]();
}

interface Request {
  method: string;
  path: string;
  body?: unknown;
}
const req = (method: string, path: string, body?: unknown): Request => ({ method, path, body });

/** The request of each route's row for a caller: A's ids throughout; `who` only where the request itself differs. */
const BECKN_ORDER = { bppId: 'x', batteryId: NOCOMM, reservedWh: 1, from: NEXT, to: NEXT };
/** A's meter as POST /meters takes it. */
const aMeter = () => ({
  meterId: f.a.meterId,
  participantId: f.a.participantId,
  kind: 'bidirectional',
  publicKeyPem: publicKeyPem(),
  exportCapacityW: 1000,
  communityId: C,
});
const REQUESTS: Record<string, (who: CallerClass) => Request> = {
  health: () => req('GET', '/health'),
  healthLive: () => req('GET', '/health/live'),
  healthReady: () => req('GET', '/health/ready'),
  getMeteringParams: () => req('GET', '/metering/params'),
  openapi: () => req('GET', '/openapi.json'),
  events: () => req('GET', '/events'),
  onboardParticipant: () => req('POST', '/participants', { participantId: f.a.participantId, role: 'prosumer' }),
  getParticipant: () => req('GET', `/participants/${f.a.participantId}`),
  listMeters: () => req('GET', `/participants/${f.a.participantId}/meters`),
  registerMeter: () => req('POST', '/meters', aMeter()),
  getMeter: () => req('GET', `/meters/${f.a.meterId}`),
  issueMeterMqttCredential: () => req('POST', `/meters/${f.a.meterId}/mqtt-credential`),
  issueHouseholdMqttCredential: () => req('POST', `/participants/${f.a.participantId}/mqtt-credential`),
  submitReadings: () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const reading = {
      meterId: uid('nometer'),
      intervalStart: PAST,
      seq: 1,
      importWh: 1,
      exportWh: 0,
      importRegisterWh: 1,
      exportRegisterWh: 0,
    };
    return req('POST', '/readings', { readings: [signReading(reading, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())] });
  },
  listReadings: () => req('GET', `/meters/${f.a.meterId}/readings?from=${PAST}&to=${PAST}`),
  getReading: () => req('GET', `/meters/${f.a.meterId}/readings/${PAST}`),
  getMeterChain: () => req('GET', `/meters/${f.a.meterId}/chain`),
  // Not due for 90 days: refused after the access check (ARCHIVE_NOT_DUE), nothing archived.
  archiveReadingHour: () => req('POST', `/reading-hours/${PAST.slice(0, 13)}/archive`),
  getReadingHourArchive: () => req('GET', `/reading-hours/${PAST.slice(0, 13)}/archive`),
  registerSite: () => req('POST', '/sites', { siteId: f.siteId, participantId: f.a.participantId, connectionCapacityW: 10_000, zone: 'z' }),
  listSites: () => req('GET', `/participants/${f.a.participantId}/sites`),
  attachMeter: () => req('PUT', `/meters/${f.a.meterId}/site`, { siteId: f.siteId }),
  registerAsset: () => req('POST', '/assets', asset()),
  getAsset: () => req('GET', `/assets/${f.assetId}`),
  getAssetHistory: () => req('GET', `/assets/${f.assetId}/history`),
  verifyAsset: () => req('POST', `/assets/${f.assetId}/verification`),
  addAssetRecord: () =>
    req('POST', `/assets/${f.assetId}/records`, { kind: 'inspection', performedOn: '2026-11-01', note: 'access table' }),
  listAssets: () => req('GET', `/participants/${f.a.participantId}/assets`),
  getPreferences: () => req('GET', `/participants/${f.a.participantId}/preferences`),
  setPreferences: () => req('PUT', `/participants/${f.a.participantId}/preferences`, { sources: ['solar'], locality: 'any' }),
  exchangeMeter: () =>
    req('POST', `/meters/${f.a.meterId}/exchanges`, {
      effectiveFrom: NEXT,
      publicKeyPem: publicKeyPem(),
      firstSeq: 1,
      importRegisterWh: 0,
      exportRegisterWh: 0,
    }),
  retireMeter: () => req('POST', `/meters/${f.spareMeterId}/retirement`),
  // A's meter exists: the operator's batch is refused with METER_EXISTS (409), past the access check.
  registerMeterBatch: () => req('POST', '/meter-batches', { batchId: 'access-table', meters: [aMeter()] }),
  getEstimate: () => req('GET', `/meters/${f.a.meterId}/estimates/${PAST}`),
  getWindow: () => req('GET', `/communities/${C}/windows/${PAST}`),
  // An interval that has not ended: refused by the ledger after the access check, nothing written.
  closeWindow: () => req('POST', `/communities/${NOCOMM}/windows/${NEXT}/close`),
  getCommunityView: () => req('GET', `/communities/${C}/intervals/${PAST}`),
  listPositions: () => req('GET', `/participants/${f.a.participantId}/positions?from=${PAST}&to=${PAST}`),
  exportPositions: () => req('GET', `/participants/${f.a.participantId}/positions.csv?from=${PAST}&to=${PAST}`),
  getPosition: () => req('GET', `/participants/${f.a.participantId}/positions/${PAST}`),
  getTokenBalance: () => req('GET', `/participants/${f.a.participantId}/tokens`),
  listTokenMoves: () => req('GET', `/participants/${f.a.participantId}/tokens/moves`),
  getConsumption: () => req('GET', `/participants/${f.a.participantId}/consumption/${PAST}`),
  verifyConsumption: () =>
    req('POST', `/participants/${f.a.participantId}/consumption/${PAST}/verification`, {
      value: { participantId: f.a.participantId, intervalStart: PAST, consumptionWh: 1, salt: '00'.repeat(32) },
    }),
  disputeReading: () => req('POST', '/disputes', { meterId: f.a.meterId, intervalStart: PAST, reason: 'access table' }),
  resolveDispute: () =>
    req('POST', '/disputes/resolutions', { meterId: f.a.meterId, intervalStart: PAST, importWh: 1, exportWh: 0, note: 'access table' }),
  getDispute: () => req('GET', `/meters/${f.a.meterId}/disputes/${PAST}`),
  depositCredits: () => req('POST', '/credits/deposits', { participantId: uid('nobody'), amountMicros: 1, reference: uid('ref') }),
  withdrawCredits: () => req('POST', '/credits/withdrawals', { participantId: uid('nobody'), amountMicros: 1, reference: uid('ref') }),
  transferCredits: () => req('POST', '/credits/transfers', { toParticipantId: uid('nobody'), amountMicros: 1, reference: uid('ref') }),
  getSupply: () => req('GET', '/credits/supply'),
  getAccount: () => req('GET', `/credits/${f.a.participantId}`),
  getStatement: () => req('GET', `/credits/${f.a.participantId}/statement`),
  getMarketParams: () => req('GET', `/markets/${C}/params`),
  setMarketParams: () => req('PATCH', `/markets/${NOCOMM}/params`, { kPpm: -1 }),
  placeOrder: () => req('POST', '/orders', order(NOCOMM)),
  placeOrders: () => req('POST', '/orders/batch', { orders: [order(NOCOMM)] }),
  getOrder: () => req('GET', `/orders/${f.orderId}`),
  cancelOrder: () => req('DELETE', `/orders/${f.orderId}`),
  listOrders: () => req('GET', `/participants/${f.a.participantId}/orders`),
  getInterval: () => req('GET', `/markets/${C}/intervals/${NEXT}`),
  closeInterval: () => req('POST', `/markets/${NOCOMM}/intervals/${NEXT}/close`),
  clearInterval: () => req('POST', `/markets/${NOCOMM}/intervals/${NEXT}/clear`),
  settleInterval: () => req('POST', `/markets/${NOCOMM}/intervals/${NEXT}/settle`),
  correctSettlement: () => req('POST', `/markets/${NOCOMM}/intervals/${PAST}/corrections/${f.a.participantId}`),
  getCurves: () => req('GET', `/markets/${C}/intervals/${NEXT}/curves`),
  getClearing: () => req('GET', `/markets/${C}/intervals/${NEXT}/clearing`),
  getClearingOrders: () => req('GET', `/markets/${C}/intervals/${NEXT}/orders`),
  getSettlement: () => req('GET', `/markets/${C}/intervals/${NEXT}/settlement`),
  listResults: () => req('GET', `/markets/${C}/results`),
  getIntervalFigures: () => req('GET', `/markets/${C}/intervals/${PAST}/figures`),
  getPeriodFigures: () => req('GET', `/markets/${C}/figures?from=${PAST}&to=${NEXT}`),
  // No market in NOCOMM: the utility's change fails after the access check (MARKET_NOT_FOUND).
  setGridModel: () =>
    req('PUT', `/communities/${NOCOMM}/grid`, {
      effectiveFrom: NEXT,
      zones: [{ zoneId: 'cp', parentZoneId: null, exportLimitW: 0, importLimitW: 0, lossPpm: 0 }],
    }),
  getGridModel: () => req('GET', `/communities/${C}/grid`),
  listGridModelVersions: () => req('GET', `/communities/${C}/grid/versions`),
  getClearingZones: () => req('GET', `/markets/${C}/intervals/${NEXT}/zones`),
  // A's own proposal (a new one each time: nothing escrowed by a seller); B may not propose it for A.
  proposeContract: () => req('POST', '/contracts', contract(uid('k'))),
  getContract: () => req('GET', `/contracts/${f.contractId}`),
  // A proposed it: its acceptance is a state conflict after the party check.
  acceptContract: () => req('POST', `/contracts/${f.contractId}/acceptance`),
  withdrawContract: () => req('POST', `/contracts/${f.contractId}/withdrawal`),
  settleContracts: () => req('POST', `/markets/${NOCOMM}/intervals/${PAST}/contract-settlement`),
  getContractSettlement: () => req('GET', `/markets/${C}/intervals/${PAST}/contract-settlement`),
  correctContractSettlement: () => req('POST', `/markets/${NOCOMM}/intervals/${PAST}/contract-settlement/corrections/${f.a.participantId}`),
  issueCertificates: () => req('POST', '/certificates/issuances', { assetId: uid('noasset'), hourStart: HOUR }),
  issueCertificateBatch: () => req('POST', '/certificates/issuances/batch', { items: [{ assetId: uid('noasset'), hourStart: HOUR }] }),
  withdrawCertificates: () =>
    req('POST', `/certificates/issuances/${f.assetId}@${HOUR_TAG}/withdrawal`, { rangeStart: 1, rangeEnd: 1, reason: 'r' }),
  transferCertificates: () => req('POST', `/certificates/${f.assetId}@${HOUR_TAG}-1/transfer`, { to: f.b.participantId, quantityWh: 1 }),
  claimCertificates: () => {
    const period = { consumptionPeriodStart: HOUR, consumptionPeriodEnd: '2026-11-21T11:00:00Z' };
    const claim = { quantityWh: 1, beneficiary: 'b', purpose: 'p', ...period, location: 'l' };
    return req('POST', `/certificates/${f.assetId}@${HOUR_TAG}-1/claim`, claim);
  },
  getCertificate: () => req('GET', `/certificates/${f.assetId}@${HOUR_TAG}-1`),
  getCertificateProvenance: () => req('GET', `/certificates/${f.assetId}@${HOUR_TAG}-1/provenance`),
  listCertificates: () => req('GET', `/participants/${f.a.participantId}/certificates`),
  exportCertificatesEnergyTag: () => req('GET', `/participants/${f.a.participantId}/certificates/energytag`),
  exportCertificatesMwh: () => req('GET', `/participants/${f.a.participantId}/certificates/mwh`),
  getCertificateAccount: () => req('GET', `/assets/${f.assetId}/hours/${HOUR}/certificate-account`),
  verifyCertificate: () => req('GET', `/public/certificates/${f.assetId}@${HOUR_TAG}-1`),
  reserveCertificates: () => req('POST', `/certificates/${f.assetId}@${HOUR_TAG}-1/reservation`, { to: f.b.participantId, quantityWh: 1 }),
  acceptCertificateReservation: () => req('POST', `/certificates/${f.assetId}@${HOUR_TAG}-1/reservation/acceptance`, {}),
  releaseCertificateReservation: () => req('POST', `/certificates/${f.assetId}@${HOUR_TAG}-1/reservation/release`, {}),
  // A's meter has no issued hour: nothing to withdraw, nothing written.
  withdrawCertificatesForLoweredFigure: () =>
    req('POST', '/certificates/lowered-figure-withdrawals', { meterId: f.a.meterId, intervalStart: PAST }),
  recordCertificateExpiry: () => req('POST', `/participants/${f.a.participantId}/certificates/expiry`),
  // No such bundle, no such battery; a day that is no midnight: refused after the access check.
  chargeStorage: () => req('POST', `/certificates/${f.assetId}@${HOUR_TAG}-1/storage-charge`, { storageAssetId: f.assetId, quantityWh: 1 }),
  issueStorageDischarge: () => req('POST', '/certificates/storage-discharges', { assetId: uid('noasset'), hourStart: HOUR }),
  listStorageCharges: () => req('GET', `/assets/${f.assetId}/storage-charges`),
  getStorageShareInputs: () => req('GET', `/assets/${f.assetId}/hours/${HOUR}/storage-share-inputs`),
  getMatching: () => req('GET', `/participants/${f.a.participantId}/matching?${HOUR_PERIOD}`),
  getCommunityMatching: () => req('GET', `/communities/${C}/matching?${HOUR_PERIOD}`),
  recordCommunityMatching: () => req('POST', `/communities/${NOCOMM}/matching/days`, { dayStart: HOUR }),
  getRecordedMatching: () => req('GET', `/communities/${C}/matching/days?${DAY_PERIOD}`),
  listCertificateIssuers: () => req('GET', '/certificate-issuers?pageSize=1'),
  listCertificateRecords: () => req('GET', `/assets/${f.assetId}/certificate-records?records=chain`),
  getCertificateAccounts: () =>
    req('GET', `/assets/${f.assetId}/certificate-accounts?${new URLSearchParams({ from: HOUR, to: HOUR_END })}`),
  listCertificateActions: () => req('GET', `/certificate-actions?${new URLSearchParams({ from: HOUR, to: HOUR_END })}`),
  // A community without assets or a market: the report reads the cursors and answers empty figures.
  getCertificateReport: () => req('GET', `/reports/certificates?${new URLSearchParams({ from: HOUR, to: HOUR_END, communityId: NOCOMM })}`),
  listApiKeys: () => req('GET', `/api-keys?userId=${f.a.participantId}`),
  rotateApiKey: (who) => req('POST', `/api-keys/${who === 'self' ? f.keys.rotate : f.keys.main}/rotate`, {}),
  getGridLive: () => req('GET', `/communities/${C}/grid/live`),
  getSession: () => req('GET', '/session'),
  getZoneTelemetry: () => req('GET', `/communities/${C}/zones/z/telemetry`),
  getMeterTelemetry: () => req('GET', `/meters/${f.a.meterId}/telemetry`),
  listZoneIntervals: () => req('GET', `/communities/${C}/zones/z/intervals?from=${HOUR}&to=${NEXT}`),
  listGridAlerts: () => req('GET', `/communities/${C}/alerts?status=all`),
  getGridAlert: () => req('GET', `/communities/${C}/alerts/al-none`),
  acknowledgeGridAlert: () => req('POST', `/communities/${C}/alerts/al-none/acknowledgement`),
  issueSensorMqttCredential: () => req('POST', `/communities/${C}/sensors/${uid('sensor')}/mqtt-credential`),
  // No market in NOCOMM: the utility's change fails after the access check (MARKET_NOT_FOUND).
  changeIslandMode: () => req('POST', `/communities/${NOCOMM}/island-changes`, { mode: 'islanded', since: NEXT, reason: 'access table' }),
  getIslandMode: () => req('GET', `/communities/${C}/island`),
  revokeApiKey: (who) =>
    req('DELETE', `/api-keys/${who === 'self' ? f.keys.revokeSelf : who === 'operator' ? f.keys.revokeOperator : f.keys.main}`),
  // Storage: a household named as provider, a battery and a contract that do not exist (refused after the access check).
  registerBattery: () =>
    req('POST', '/batteries', {
      providerId: f.a.participantId,
      batteryId: uid('nobattery'),
      communityId: NOCOMM,
      zone: 'z',
      meterId: f.a.meterId,
      capacityWh: 1000,
      maxChargeW: 1000,
      maxDischargeW: 1000,
      roundTripEfficiencyPpm: 900_000,
      latitudeMicro: 0,
      longitudeMicro: 0,
      availability: [{ from: PAST, to: NEXT }],
      storedPriceMicrosPerKwh: 0,
      reservedPriceMicrosPerKwhDay: 0,
      penaltyMicrosPerKwh: 0,
    }),
  linkBatteryAsset: () => req('PUT', `/batteries/${NOCOMM}/storage-asset`, { assetId: NOCOMM }),
  getBattery: () => req('GET', `/batteries/${NOCOMM}`),
  reportStateOfCharge: () => req('POST', `/batteries/${NOCOMM}/state-of-charge`, { socWh: 1 }),
  issueBatteryMqttCredential: () => req('POST', `/batteries/${NOCOMM}/mqtt-credential`),
  listBatteries: () => req('GET', `/communities/${NOCOMM}/batteries`),
  searchStorage: () => req('GET', `/storage/offers?communityId=${NOCOMM}`),
  quoteStorage: () => req('GET', `/storage/quote?batteryId=${NOCOMM}&reservedWh=1&from=${PAST}&to=${NEXT}`),
  confirmStorage: () =>
    req('POST', '/storage/contracts', { clientContractId: uid('s'), batteryId: NOCOMM, reservedWh: 1, from: NEXT, to: NEXT }),
  getStorageContract: () => req('GET', `/storage/contracts/${NOCOMM}`),
  listStorageFeedback: () => req('GET', `/storage/contracts/${NOCOMM}/feedback`),
  cancelStorage: () => req('POST', `/storage/contracts/${NOCOMM}/cancellation`),
  settleStorage: () => req('POST', `/storage/contracts/${NOCOMM}/settlement`),
  // The Beckn BAP: a search is sent to the registry's BPPs; the other steps name a transaction that does not exist.
  becknSearchStorage: () => req('POST', '/beckn/storage/searches', { minFreeWh: 1 }),
  becknStorageTransaction: () => req('GET', `/beckn/storage/transactions/${randomUUID()}`),
  becknQuoteStorage: () => req('POST', `/beckn/storage/transactions/${randomUUID()}/quotes`, BECKN_ORDER),
  becknConfirmStorage: () => req('POST', `/beckn/storage/transactions/${randomUUID()}/contracts`, BECKN_ORDER),
  becknStorageStatus: () => req('POST', `/beckn/storage/transactions/${randomUUID()}/status`, { bppId: 'x', orderId: NOCOMM }),
  becknCancelStorage: () => req('POST', `/beckn/storage/transactions/${randomUUID()}/cancellation`, { bppId: 'x', orderId: NOCOMM }),
  listOpenDisputes: () => req('GET', `/communities/${C}/disputes`),
  listUnverifiedAssets: () => req('GET', `/communities/${C}/unverified-assets`),
  listCommunityBankEntries: () => req('GET', `/communities/${C}/bank-entries`),
  listCommunityParticipants: () => req('GET', `/communities/${C}/participants`),
  listCommunityMeters: () => req('GET', `/communities/${C}/meters`),
  listCommunityContracts: () => req('GET', `/communities/${C}/contracts`),
  listParticipantDisputes: () => req('GET', `/participants/${f.a.participantId}/disputes`),
  listParticipantContracts: () => req('GET', `/participants/${f.a.participantId}/contracts`),
  listParticipantBankEntries: () => req('GET', `/participants/${f.a.participantId}/bank-entries`),
  listParticipantStorageContracts: () => req('GET', `/participants/${f.a.participantId}/storage-contracts`),
  listResolvedDisputes: () => req('GET', `/communities/${C}/resolved-disputes`),
  // Load shedding in a community without a grid model: allowed for the utility, it fails after the access check.
  orderLoadShedding: () => req('POST', `/communities/${NOCOMM}/load-sheddings`, { from: PAST, to: NEXT, shedW: 1, reason: 'access table' }),
  listLoadSheddings: () => req('GET', `/communities/${C}/load-sheddings`),
  getIntervalZones: () => req('GET', `/communities/${C}/intervals/${PAST}/zones`),
  listFlexEvents: () => req('GET', `/communities/${C}/flex-events`),
  // One clearing's index written again with the value it has: nothing changes.
  backfillListIndexes: () => req('POST', '/list-indexes/backfill', { kind: 'results', pageSize: 1 }),
  // Demand response: an event called in the past fails after the access check; the others name an event that does not exist.
  callFlexEvent: () =>
    req('POST', '/flex/events', {
      eventId: uid('ev'),
      programId: 'dr',
      communityId: C,
      zoneIds: ['z'],
      start: PAST,
      end: formatInstant(Date.parse(PAST) / 1000 + INTERVAL),
      targetReductionW: 1000,
      priceMicrosPerKwh: 100_000,
      optInDeadline: PAST,
    }),
  getFlexEvent: () => req('GET', '/flex/events/ev-none'),
  optInFlexEvent: () => req('PUT', `/flex/events/ev-none/opt-ins/${f.a.participantId}`, {}),
  optOutFlexEvent: () => req('DELETE', `/flex/events/ev-none/opt-ins/${f.a.participantId}`),
  fixFlexBaselines: () => req('POST', '/flex/events/ev-none/baselines'),
  getFlexBaseline: () => req('GET', `/flex/events/ev-none/baselines/${f.a.participantId}`),
  settleFlexEvent: () => req('POST', '/flex/events/ev-none/settlement'),
  getFlexResults: () => req('GET', '/flex/events/ev-none/results'),
  getFlexPerformance: () => req('GET', `/flex/events/ev-none/performance/${f.a.participantId}`),
  // A's meter in another community: refused after the access check (RESOURCE_INVALID), nothing registered.
  registerFlexResource: () =>
    req('POST', '/resources', {
      resourceId: uid('res'),
      communityId: NOCOMM,
      kind: 'battery',
      meterId: f.a.meterId,
      maxPowerW: 1,
      capacityWh: 1,
      minSocWh: 0,
      socWh: 0,
    }),
  getFlexResource: () => req('GET', `/resources/${f.resourceId}`),
  listOwnFlexResources: () => req('GET', `/resources?ownerId=${f.a.participantId}`),
  listDispatches: () => req('GET', `/dispatches?ownerId=${f.a.participantId}&status=requested`),
  issueDeviceMqttCredential: () => req('POST', `/resources/${f.resourceId}/mqtt-credential`),
  // Advice only: nothing is recorded.
  scheduleEvCharging: () => req('POST', `/resources/${f.resourceId}/charging-schedule`, { energyWh: 1, departureAt: NEXT }),
  listFlexResources: () => req('GET', `/communities/${C}/resources`),
  requestDispatch: () =>
    req('POST', `/communities/${C}/dispatches`, {
      dispatchId: uid('d'),
      resourceId: uid('nores'),
      powerW: 1,
      startAt: NEXT,
      durationSeconds: 60,
      priceMicrosPerKwh: 0,
    }),
  listOpenDispatches: () => req('GET', `/communities/${C}/dispatches`),
  getDispatch: () => req('GET', `/communities/${C}/dispatches/${f.dispatchId}`),
  getMeterForecast: () => req('GET', `/forecasts/meters/${f.a.meterId}?horizon=next`),
  getCommunityForecast: () => req('GET', `/communities/${C}/forecast?horizon=next`),
  // Peer-to-peer (docs/p2p.md): A's own offer from its meter; B may not offer from A's meter. Unknown requests fail after the seller check.
  createOffer: () => req('POST', '/p2p/offers', p2pOffer(uid('p'))),
  listOffers: () => req('GET', `/p2p/offers?communityId=${C}&intervalStart=${encodeURIComponent(NEXT)}`),
  getOffer: () => req('GET', `/p2p/offers/${f.offerId}`),
  cancelOffer: () => req('DELETE', `/p2p/offers/${f.offerId}`),
  // A requesting its own offer: a state conflict after the access check.
  requestOffer: () => req('POST', `/p2p/offers/${f.offerId}/requests`, { clientRequestId: uid('q'), energyWh: 10 }),
  listRequests: () => req('GET', `/p2p/offers/${f.xOfferId}/requests`),
  withdrawRequest: () => req('DELETE', `/p2p/offers/${f.xOfferId}/requests/${f.requestId}`),
  acceptRequests: () => req('POST', `/p2p/offers/${f.offerId}/acceptances`, { requestIds: [uid('q')] }),
  refuseRequests: () => req('POST', `/p2p/offers/${f.offerId}/refusals`, { requestIds: [uid('q')], reason: 'other' }),
  setMandate: () => req('PUT', `/p2p/mandates/${f.a.participantId}`, P2P_MANDATE),
  getMandate: () => req('GET', `/p2p/mandates/${f.a.participantId}`),
  // A's meter has no agent bound: 404 AGENT_BINDING_NOT_FOUND after the access check.
  getMeterAgent: () => req('GET', `/p2p/meters/${f.a.meterId}/agent`),
  // Agent keys of A (docs/security.md, "Agent identities"); a key id that is no agent key of A: 404 after the access check.
  issueAgentKey: () => req('POST', `/participants/${f.a.participantId}/agent-keys`, {}),
  listAgentKeys: () => req('GET', `/participants/${f.a.participantId}/agent-keys`),
  revokeAgentKey: () => req('DELETE', `/participants/${f.a.participantId}/agent-keys/kid_0000000000000000`),
  issueAgentMqttCredential: () => req('POST', `/participants/${f.a.participantId}/agent-mqtt-credential`),
};

/** The arguments of each row without a route, and whether it is submitted. */
const TRANSACTIONS: Record<string, { submit: boolean; args: () => string[] }> = {
  'metering:listGaps': { submit: false, args: () => [f.a.meterId] },
  // Not a JSON object: refused after the access check, the metering parameters stay as they are.
  'metering:setParams': { submit: true, args: () => ['[]'] },
  'market:listDue': { submit: false, args: () => [C, 'closed'] },
  'storage:recordStorageFeedback': { submit: true, args: () => [uid('nocontract'), '{}'] },
  'certificates:openIssuer': { submit: true, args: () => [uid('noasset')] },
  'certificates:listIssuable': { submit: false, args: () => [C, HOUR, '2026-11-21T11:00:00Z', '10', ''] },
  // Malformed on purpose: refused after the access check, nothing recorded.
  'telemetry:recordZoneIntervals': { submit: true, args: () => [C, NEXT, '[]'] },
  'telemetry:raiseAlert': { submit: true, args: () => ['{}'] },
  'telemetry:clearAlert': { submit: true, args: () => [C, 'al-none', '0'] },
  // Malformed or unknown on purpose: refused after the access check, nothing recorded.
  'dispatch:recordAck': { submit: true, args: () => [C, 'd-none', '{}'] },
  'dispatch:markNonResponsive': { submit: true, args: () => [C, 'd-none'] },
  'dispatch:settleDispatch': { submit: true, args: () => [C, 'd-none', '{}'] },
  'dispatch:resettleDispatch': { submit: true, args: () => [C, 'd-none'] },
  'system:ping': { submit: false, args: () => [] },
  'system:whoami': { submit: false, args: () => [] },
  'system:noop': { submit: true, args: () => [] },
  // An unknown event: refused after the access check, nothing recorded.
  'flex:recordReport': { submit: true, args: () => ['ev-none', f.a.participantId, '{}'] },
  'flex:listReports': { submit: false, args: () => ['ev-none'] },
};

const asset = () => ({
  assetId: f.assetId,
  participantId: f.a.participantId,
  meterId: f.a.meterId,
  source: 'solar',
  capacityW: 5000,
  zone: 'z',
  feeder: 'f1',
  location: '52.40 N 13.10 E',
  commissionedOn: '2024-05-01',
  certificationHash: 'c0'.repeat(32),
});
const order = (communityId: string) => ({
  clientOrderId: uid('o'),
  communityId,
  intervalStart: NEXT,
  side: 'sell',
  energyWh: 100,
  priceMicrosPerKwh: 100_000,
});
const contract = (clientContractId: string) => ({
  clientContractId,
  communityId: C,
  sellerId: f.a.participantId,
  buyerId: f.x.participantId,
  energyWhPerInterval: 100,
  priceMicrosPerKwh: 100_000,
  firstDay: TOMORROW,
  lastDay: TOMORROW,
  dailyFrom: '10:00',
  dailyTo: '11:00',
});

const p2pOffer = (clientOfferId: string, t: Trader = f.a) => ({
  clientOfferId,
  communityId: C,
  meterId: t.meterId,
  intervalStart: NEXT,
  energyWh: 100,
  priceMicrosPerKwh: 100_000,
});
/** No limits, automation on: A's own trades stay as they were. */
const P2P_MANDATE = UNLIMITED_MANDATE;

interface Outcome {
  status: number;
  code?: string;
  request: string;
}

/** One request as `who`; the event stream is left once its answer's head has arrived. */
async function send(row: AccessRow, who: CallerClass): Promise<Outcome> {
  const { method, path, body } = REQUESTS[row.operation](who);
  const controller = new AbortController();
  const res = await fetch(`${profile().orgs[ORG[who]].gateway.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${keyOf(who)}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: controller.signal,
  });
  const request = `${ORG[who]} ${method} ${path}`;
  if (row.operation === 'events') {
    controller.abort();
    return { status: res.status, request };
  }
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json') && text ? JSON.parse(text) : undefined;
  return { status: res.status, code: json?.error?.code, request };
}

/** A transaction straight at the caller's organization's peer, with its own certificate. */
async function call(row: AccessRow, who: CallerClass): Promise<Outcome> {
  const { submit, args } = TRANSACTIONS[row.operation];
  const client = ledgerClient(profile(), ORG[who], identityOf(who));
  try {
    const error = await (submit ? client.submit(row.operation, ...args()) : client.evaluate(row.operation, ...args())).then(
      () => undefined,
      (e: Error) => e,
    );
    const code = error === undefined ? undefined : (chaincodeCodeOf(error) ?? error.message);
    return {
      status: code === undefined ? 200 : code === 'ACCESS_DENIED' ? 403 : code === 'UNAUTHENTICATED' ? 401 : 400,
      code,
      request: `${ORG[who]} peer ${row.operation}`,
    };
  } finally {
    client.close();
  }
}

const cases = ACCESS_TABLE.flatMap((row) =>
  CALLERS.filter((who) => row.callers[who] !== null).map((who) => ({ row, who, access: row.callers[who] as Access })),
);
const outcomes = new Map<string, Outcome | Error>();
const caseName = (row: AccessRow, who: CallerClass) => `${row.operation} as ${who}`;

beforeAll(async () => {
  const ok = async (answer: Promise<ApiResult<JsonAnswer>>) => {
    const { status, body } = await answer;
    if (status >= 300) throw new Error(`fixture: ${status} ${JSON.stringify(body)}`);
    return body;
  };
  await ok(api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, marketParams));
  const [a, b, x] = await Promise.all(['a', 'b', 'x'].map((n) => trader(n, C)));
  const as = (t: Trader, method: string, path: string, body?: unknown) => ok(api('community', t.apiKey, method, path, body));
  f = {
    a,
    b,
    x,
    spareMeterId: `${a.participantId}.spare`,
    siteId: `${a.participantId}.site`,
    assetId: `${a.participantId}.pv`,
    orderId: '',
    contractId: '',
    keys: { main: keyIdOf(hashKey(a.apiKey)), rotate: '', revokeSelf: '', revokeOperator: '' },
    resourceId: `${a.participantId}.bat`,
    dispatchId: uid('dispatch'),
    offerId: '',
    xOfferId: '',
    requestId: '',
  };
  await as(a, 'POST', '/meters', {
    meterId: f.spareMeterId,
    participantId: a.participantId,
    kind: 'bidirectional',
    publicKeyPem: publicKeyPem(),
    exportCapacityW: 1000,
    communityId: C,
  });
  await as(a, 'POST', '/sites', { siteId: f.siteId, participantId: a.participantId, connectionCapacityW: 10_000, zone: 'z' });
  await as(a, 'POST', '/assets', asset());
  await as(a, 'PUT', `/participants/${a.participantId}/preferences`, { sources: ['wind'], locality: 'zone' });
  f.orderId = (await as(a, 'POST', '/orders', order(C))).order.orderId;
  f.contractId = (await as(a, 'POST', '/contracts', contract('k1'))).contract.contractId;
  f.offerId = (await as(a, 'POST', '/p2p/offers', p2pOffer('p1'))).offer.offerId;
  f.xOfferId = (await as(x, 'POST', '/p2p/offers', p2pOffer('p1', x))).offer.offerId;
  f.requestId = (await as(a, 'POST', `/p2p/offers/${f.xOfferId}/requests`, { clientRequestId: 'q1', energyWh: 10 })).request.requestId;
  const battery = { resourceId: f.resourceId, communityId: C, kind: 'battery', meterId: a.meterId, maxPowerW: 1000, capacityWh: 1000 };
  await as(a, 'POST', '/resources', { ...battery, minSocWh: 0, socWh: 500 });
  await ok(
    api('utility', credentials().apiKeys.utility.utility, 'POST', `/communities/${C}/dispatches`, {
      dispatchId: f.dispatchId,
      resourceId: f.resourceId,
      powerW: 100,
      startAt: NEXT,
      durationSeconds: 60,
      priceMicrosPerKwh: 0,
    }),
  );
  f.keys = {
    ...f.keys,
    rotate: spareKey(a.participantId),
    revokeSelf: spareKey(a.participantId),
    revokeOperator: spareKey(a.participantId),
  };

  // Every case, a few at a time; each `it` below checks its own.
  const queue = [...cases];
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
        const outcome = await (c.row.route === undefined ? call(c.row, c.who) : send(c.row, c.who)).catch((e: Error) => e);
        outcomes.set(caseName(c.row, c.who), outcome);
      }
    }),
  );
}, 600_000);

it('has a request for every row of the table', () => {
  expect(
    ACCESS_TABLE.filter((r) => (r.route === undefined ? TRANSACTIONS : REQUESTS)[r.operation] === undefined).map((r) => r.operation),
  ).toEqual([]);
  expect(cases.length).toBeGreaterThan(300);
});

it.each(
  cases.map((c) => [caseName(c.row, c.who), c.access.allowed ? 'allowed' : `refused ${c.access.status} ${c.access.code}`, c] as const),
)('%s: %s', (name, _verdict, { access }) => {
  const outcome = outcomes.get(name);
  if (outcome === undefined || outcome instanceof Error) throw outcome ?? new Error(`${name} was not sent`);
  const seen = { request: outcome.request, status: outcome.status, code: outcome.code };
  if (access.allowed) {
    // Not refused, not failed unexpectedly, and a request the document takes; what the domain says after the access check is fine.
    const refused = [401, 403, 500].includes(outcome.status) || (outcome.code === 'REQUEST_INVALID' && !outcome.request.includes(' peer '));
    expect({ ...seen, refused }).toEqual({ ...seen, refused: false });
  } else {
    expect(seen).toEqual({ request: outcome.request, status: access.status, code: access.code });
  }
});
