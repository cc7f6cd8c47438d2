/**
 * (Over 400 lines: one row per operation, data rather than logic.)
 * The access table (docs/security.md, "Access table"): for every operation of the served OpenAPI
 * document and every chaincode transaction without a route, who may call it, for whom, and what
 * they see. Read off the gateway's checks (access.ts, routes/*) and the chaincode's (respond,
 * requireRole, requireOwnRecords and each contract's own); docs/security.md's section is generated
 * from it (accessTableMarkdown, checked by test/access-table.test.ts) and test/e2e/25-access-table
 * checks every row on the real network.
 */
import { replaceDocSection } from '@gridledger/core/core';

/**
 * The callers of a row: a household (prosumer) acting for itself, one acting for another
 * household (another's id in the path or body, or another's order, contract, asset, meter or key),
 * the community operator (Community gateway), the utility (Utility gateway), the regulator
 * (Regulator gateway). A household reaches the Community gateway that onboarded it.
 */
export const CALLERS = ['self', 'other', 'operator', 'utility', 'regulator'] as const;
export type CallerClass = (typeof CALLERS)[number];

/** Allowed (and what the caller sees, where that differs), or refused with this status and code. */
export type Access = { allowed: true; sees?: string } | { allowed: false; status: number; code: string };

export interface AccessRow {
  /** The OpenAPI operationId; for a transaction without a route, its chaincode name. */
  operation: string;
  /** `METHOD /path` of the operation (under /api/v1); none for a transaction without a route. */
  route?: string;
  /** The chaincode transactions the operation calls. */
  tx: readonly string[];
  /** null: the request names no other household's data. */
  callers: Record<CallerClass, Access | null>;
  note?: string;
}

const yes = (sees?: string): Access => (sees === undefined ? { allowed: true } : { allowed: true, sees });
const no: Access = { allowed: false, status: 403, code: 'ACCESS_DENIED' };
/** A key one may not touch is answered like a key that does not exist (docs/security.md, "API keys"). */
const noKey: Access = { allowed: false, status: 404, code: 'API_KEY_NOT_FOUND' };
const NA = null;

type Cells = [Access | null, Access | null, Access | null, Access | null, Access | null];
const row = (
  operation: string,
  route: string | undefined,
  tx: readonly string[],
  [self, other, operator, utility, regulator]: Cells,
  note?: string,
): AccessRow => ({
  operation,
  ...(route !== undefined ? { route } : {}),
  tx,
  callers: { self, other, operator, utility, regulator },
  ...(note !== undefined ? { note } : {}),
});

/** Every route: public reads, a household's own records, operator steps, the bank, the regulator. */
const PUBLIC: Cells = [yes(), NA, yes(), yes(), yes()];
/** The grid's view (zones, alerts): the operator, the utility and the regulator; no household. */
const GRID_ONLY: Cells = [no, NA, yes(), yes(), yes()];
/** The Community's telemetry service (its meter-bridge identity, not one of the callers here) and its operator. */
const TELEMETRY_STEPS: Cells = [no, NA, yes(), no, no];
const TELEMETRY_SERVICE = "the Community's telemetry service (meter-bridge)";
/** The Community's dispatch service (its meter-bridge identity, not one of the callers here) and its operator (tools). */
const DISPATCH_STEPS: Cells = [no, NA, yes(), no, no];
const DISPATCH_SERVICE = "and the Community's dispatch service (meter-bridge)";
const DISPATCH_SCHEDULE_TX = ['dispatch:getResource', 'market:getParams', 'market:getClearingZones', 'grid:getModel'];
/** A household's own records: the operator, the utility and the regulator read everyone's. */
const OWN_RECORDS: Cells = [yes(), no, yes(), yes(), yes()];
/** Household detail (positions, tokens, consumption, disputes): not for the regulator. */
const DETAIL: Cells = [yes(), no, yes(), yes(), no];
const OPERATOR_ONLY: Cells = [no, NA, yes(), no, no];
const SETTLEMENT_READ: Cells = [no, NA, yes(), yes(), yes()];
/** The Beckn BAP's REST API: served by the Utility gateway alone (the Community's is the BPP, the Regulator's takes no Beckn role). */
const notBap: Access = { allowed: false, status: 404, code: 'ROUTE_NOT_FOUND' };
const BAP_ONLY: Cells = [notBap, NA, notBap, yes(), notBap];
const BAP_NOTE =
  "the BPP's ledger calls run as the buyer (confirm, cancel) or the Community's operator (search, quote, status): docs/beckn.md";

/** Certificates name their holder only once found: another household's bundle is refused by the chaincode, tested in 43-certificates. */
const OTHERS_BUNDLE = "another's bundle: ACCESS_DENIED (test/e2e/43-certificates)";
/** A storage contract names its parties only once found: a stranger is refused by the chaincode, tested in 61-storage-contracts. */
const OTHERS_STORAGE = "another's contract: ACCESS_DENIED (test/e2e/61-storage-contracts)";
/** Broker credentials of the household and its meters are its owner's (docs/security.md, "MQTT"). */
const OWNER_KEY_ONLY = "an agent's key: 403 OWNER_KEY_REQUIRED (test/e2e/76-agent-mqtt)";
const battery = 'a battery provider is refused (requireDetailAccess: prosumer, consumer, operator, utility)';

export const ACCESS_TABLE: readonly AccessRow[] = [
  // Platform
  row('health', 'GET /health', [], [yes(), NA, yes(), yes(), yes()], 'no API key needed'),
  row('healthLive', 'GET /health/live', [], [yes(), NA, yes(), yes(), yes()], 'no API key needed'),
  row('healthReady', 'GET /health/ready', [], [yes(), NA, yes(), yes(), yes()], 'no API key needed'),
  row('openapi', 'GET /openapi.json', [], [yes(), NA, yes(), yes(), yes()], 'no API key needed'),
  row(
    'events',
    'GET /events',
    ['registry:listMeters'],
    [yes('public aggregates and its own records (event-visibility.ts)'), NA, yes('every event'), yes('every event'), yes('every event')],
  ),

  // Participants and meters
  row(
    'onboardParticipant',
    'POST /participants',
    ['registry:registerParticipant', 'registry:getParticipant'],
    [no, NA, yes('households, meter bridges, operators of the Community'), yes('households, meter bridges, utilities of the Utility'), no],
  ),
  row('getParticipant', 'GET /participants/{participantId}', ['registry:getParticipant'], OWN_RECORDS),
  row('listMeters', 'GET /participants/{participantId}/meters', ['registry:listMeters'], OWN_RECORDS),
  row(
    'registerMeter',
    'POST /meters',
    ['registry:registerMeter'],
    [yes(), no, yes('participants of its MSP'), no, no],
    'a battery provider is refused (registry: prosumer, consumer, operator)',
  ),
  row('getMeter', 'GET /meters/{meterId}', ['registry:getMeter'], OWN_RECORDS),
  row(
    'issueMeterMqttCredential',
    'POST /meters/{meterId}/mqtt-credential',
    ['registry:getMeter'],
    [yes(), no, yes(), yes(), no],
    OWNER_KEY_ONLY,
  ),
  row(
    'issueHouseholdMqttCredential',
    'POST /participants/{participantId}/mqtt-credential',
    ['registry:getParticipant', 'registry:listMeters'],
    [yes(), no, no, no, no],
    OWNER_KEY_ONLY,
  ),

  // Readings
  row(
    'submitReadings',
    'POST /readings',
    ['metering:submitReadings'],
    [no, NA, yes(), no, no],
    'and meter bridges (the readings are signed by the meters)',
  ),
  row(
    'listReadings',
    'GET /meters/{meterId}/readings',
    ['metering:listReadings'],
    [yes(), no, yes(), yes(), yes('readings without import')],
  ),
  row(
    'getReading',
    'GET /meters/{meterId}/readings/{intervalStart}',
    ['metering:getReading'],
    [yes(), no, yes(), yes(), yes('readings without import')],
  ),
  row(
    'getMeterChain',
    'GET /meters/{meterId}/chain',
    ['metering:getMeterChain'],
    [yes(), no, yes(), yes(), yes('a root and transaction ids, no reading')],
  ),
  // The archive (docs/bounded-state.md): an hour's record holds counts and roots, no one's readings.
  row('archiveReadingHour', 'POST /reading-hours/{hour}/archive', ['metering:archiveReadingHour'], OPERATOR_ONLY),
  row(
    'getReadingHourArchive',
    'GET /reading-hours/{hour}/archive',
    ['metering:getReadingHourArchive'],
    GRID_ONLY,
    'straight at a peer, any identity with a role (the audit)',
  ),

  // Sites, assets, preferences
  row('registerSite', 'POST /sites', ['assets:registerSite'], [yes(), no, yes('participants of its MSP'), no, no]),
  row('listSites', 'GET /participants/{participantId}/sites', ['assets:listSites'], OWN_RECORDS),
  row('attachMeter', 'PUT /meters/{meterId}/site', ['assets:attachMeter'], [yes(), no, yes('participants of its MSP'), no, no]),
  row(
    'registerAsset',
    'POST /assets',
    ['assets:registerAsset'],
    [yes(), no, yes('participants of its MSP'), no, no],
    'prosumers only among households',
  ),
  row('getAsset', 'GET /assets/{assetId}', ['assets:getAsset'], OWN_RECORDS),
  row('getAssetHistory', 'GET /assets/{assetId}/history', ['assets:getAssetHistory'], OWN_RECORDS),
  row('verifyAsset', 'POST /assets/{assetId}/verification', ['assets:verifyAsset'], [no, no, no, no, yes()]),
  row(
    'addAssetRecord',
    'POST /assets/{assetId}/records',
    ['assets:addAssetRecord'],
    [yes(), no, yes('participants of its MSP'), no, no],
    'prosumers only among households',
  ),
  row('listAssets', 'GET /participants/{participantId}/assets', ['assets:listAssets'], OWN_RECORDS),
  row('getPreferences', 'GET /participants/{participantId}/preferences', ['assets:getPreferences'], OWN_RECORDS),
  row(
    'setPreferences',
    'PUT /participants/{participantId}/preferences',
    ['assets:setPreferences'],
    [yes(), no, yes('participants of its MSP'), no, no],
  ),

  // Metering windows, positions, tokens, consumption, disputes
  row('exchangeMeter', 'POST /meters/{meterId}/exchanges', ['energy:exchangeMeter'], [no, no, yes(), no, no]),
  row('retireMeter', 'POST /meters/{meterId}/retirement', ['energy:retireMeter'], [no, no, yes('meters of its MSP'), no, no]),
  row(
    'registerMeterBatch',
    'POST /meter-batches',
    ['registry:registerMeterBatch'],
    [no, NA, yes('participants of its MSP'), no, no],
    'an operator only (registry: operator); the utility has no operator identity at its gateway',
  ),
  row('getEstimate', 'GET /meters/{meterId}/estimates/{intervalStart}', ['energy:getEstimate'], OWN_RECORDS),
  row(
    'getWindow',
    'GET /communities/{communityId}/windows/{intervalStart}',
    ['energy:getWindow'],
    [yes('counts and participant ids, no values'), NA, yes(), yes(), yes()],
  ),
  row('getMeteringParams', 'GET /metering/params', ['metering:getParams'], PUBLIC, 'also the market scheduler, at its peer'),
  row('closeWindow', 'POST /communities/{communityId}/windows/{intervalStart}/close', ['energy:closeWindow'], OPERATOR_ONLY),
  row(
    'getCommunityView',
    'GET /communities/{communityId}/intervals/{intervalStart}',
    ['energy:getCommunityView'],
    [yes('zone totals'), NA, yes('zone totals'), yes('zone totals'), yes('zone totals')],
  ),
  row('listPositions', 'GET /participants/{participantId}/positions', ['energy:listPositions'], DETAIL, battery),
  row('exportPositions', 'GET /participants/{participantId}/positions.csv', ['energy:listPositions'], DETAIL, battery),
  row('getPosition', 'GET /participants/{participantId}/positions/{intervalStart}', ['energy:getPosition'], DETAIL, battery),
  row('getTokenBalance', 'GET /participants/{participantId}/tokens', ['energy:getTokenBalance'], DETAIL, battery),
  row('listTokenMoves', 'GET /participants/{participantId}/tokens/moves', ['energy:listTokenMoves'], DETAIL, battery),
  row('getConsumption', 'GET /participants/{participantId}/consumption/{intervalStart}', ['energy:getConsumption'], DETAIL, battery),
  row(
    'verifyConsumption',
    'POST /participants/{participantId}/consumption/{intervalStart}/verification',
    ['energy:verifyConsumption'],
    [yes(), yes('whether a disclosed value matches the hash'), yes(), yes(), yes()],
    'the disclosed value carries its salt: only a household that was shown it can check it',
  ),
  row('disputeReading', 'POST /disputes', ['energy:disputeReading'], [yes(), no, yes(), no, no]),
  row(
    'resolveDispute',
    'POST /disputes/resolutions',
    ['energy:resolveDispute', 'certificates:withdrawLowered'],
    [no, no, yes(), no, no],
    'a lowered export then withdraws certificates of the hour (certificates:withdrawLowered, as the operator)',
  ),
  row('getDispute', 'GET /meters/{meterId}/disputes/{intervalStart}', ['energy:getDispute'], DETAIL, battery),

  // Certificates (docs/certificates.md)
  row(
    'issueCertificates',
    'POST /certificates/issuances',
    ['certificates:issue'],
    [no, NA, yes(), yes(), yes()],
    "any asset's hour; the Regulator's peer endorses every issuance",
  ),
  row(
    'issueCertificateBatch',
    'POST /certificates/issuances/batch',
    ['certificates:issueBatch'],
    [no, NA, yes(), yes(), yes()],
    "up to 100 asset-hours, each issued or refused with its code; the Regulator's peer endorses",
  ),
  row('withdrawCertificates', 'POST /certificates/issuances/{issuanceId}/withdrawal', ['certificates:withdraw'], [no, NA, no, no, yes()]),
  row(
    'transferCertificates',
    'POST /certificates/{bundleId}/transfer',
    ['certificates:transfer'],
    [yes('its own bundles'), NA, no, no, no],
    OTHERS_BUNDLE,
  ),
  row(
    'claimCertificates',
    'POST /certificates/{bundleId}/claim',
    ['certificates:claim'],
    [yes('its own bundles'), NA, no, no, no],
    OTHERS_BUNDLE,
  ),
  row(
    'getCertificate',
    'GET /certificates/{certificateId}',
    ['certificates:getCertificate'],
    [yes('its own bundles'), NA, yes(), yes(), yes()],
    OTHERS_BUNDLE,
  ),
  row(
    'getCertificateProvenance',
    'GET /certificates/{certificateId}/provenance',
    ['certificates:getProvenance'],
    [yes('its own bundles; signed readings of its own assets only'), NA, yes(), yes(), yes('public parts of readings')],
    OTHERS_BUNDLE,
  ),
  row('listCertificates', 'GET /participants/{participantId}/certificates', ['certificates:listCertificates'], OWN_RECORDS),
  row(
    'reserveCertificates',
    'POST /certificates/{bundleId}/reservation',
    ['certificates:reserve'],
    [yes('its own bundles'), NA, no, no, no],
    OTHERS_BUNDLE,
  ),
  row(
    'acceptCertificateReservation',
    'POST /certificates/{bundleId}/reservation/acceptance',
    ['certificates:acceptReservation'],
    [yes('a transfer pending to it'), NA, no, no, no],
    "another's pending transfer: ACCESS_DENIED (test/e2e/46-certificates-lifecycle)",
  ),
  row(
    'releaseCertificateReservation',
    'POST /certificates/{bundleId}/reservation/release',
    ['certificates:releaseReservation'],
    [yes('a transfer pending from or to it'), NA, no, no, no],
    "another's pending transfer: ACCESS_DENIED (test/e2e/46-certificates-lifecycle)",
  ),
  row(
    'withdrawCertificatesForLoweredFigure',
    'POST /certificates/lowered-figure-withdrawals',
    ['certificates:withdrawLowered'],
    [no, NA, yes(), yes(), yes()],
    "the Regulator's peer endorses every withdrawal it makes",
  ),
  row('recordCertificateExpiry', 'POST /participants/{participantId}/certificates/expiry', ['certificates:recordExpiry'], OWN_RECORDS),
  row(
    'exportCertificatesEnergyTag',
    'GET /participants/{participantId}/certificates/energytag',
    ['certificates:listCertificates', 'certificates:getCertificate'],
    OWN_RECORDS,
  ),
  row('exportCertificatesMwh', 'GET /participants/{participantId}/certificates/mwh', ['certificates:listCertificates'], OWN_RECORDS),
  row(
    'getCertificateAccount',
    'GET /assets/{assetId}/hours/{hourStart}/certificate-account',
    ['certificates:getHourAccount'],
    PUBLIC,
    'figures of the channel only',
  ),
  row(
    'listCertificateIssuers',
    'GET /certificate-issuers',
    ['certificates:listIssuers'],
    PUBLIC,
    'the audit: cursors and producers of assets',
  ),
  row(
    'listCertificateRecords',
    'GET /assets/{assetId}/certificate-records',
    ['certificates:listIssuerRecords'],
    PUBLIC,
    'the audit: bundles without holder or claim details',
  ),
  row(
    'getCertificateAccounts',
    'GET /assets/{assetId}/certificate-accounts',
    ['certificates:getHourAccounts'],
    PUBLIC,
    'figures of the channel only',
  ),
  row('listCertificateActions', 'GET /certificate-actions', ['certificates:listCertificateActions'], SETTLEMENT_READ),
  row(
    'getCertificateReport',
    'GET /reports/certificates',
    ['certificates:listIssuers', 'certificates:listIssuerRecords', 'certificates:listCertificateActions', 'figures:getPeriodFigures'],
    SETTLEMENT_READ,
  ),
  row(
    'verifyCertificate',
    'GET /public/certificates/{certificateId}',
    ['certificates:verifyCertificate'],
    [yes('a pseudonym of the holder'), NA, yes(), yes(), yes()],
    'no API key needed',
  ),
  row(
    'chargeStorage',
    'POST /certificates/{bundleId}/storage-charge',
    ['certificates:chargeStorage'],
    [yes("its own bundles into its own battery, or into its storage contract's battery"), NA, no, no, no],
    "another's bundle, battery or storage contract: ACCESS_DENIED (test/e2e/47-certificates-storage, 78-storage-certificates)",
  ),
  row(
    'issueStorageDischarge',
    'POST /certificates/storage-discharges',
    ['certificates:issueStorageDischarge'],
    [no, NA, yes(), yes(), yes()],
    "any battery's hour; the Regulator's peer endorses every issuance",
  ),
  row('listStorageCharges', 'GET /assets/{assetId}/storage-charges', ['certificates:listStorageCharges'], OWN_RECORDS),
  row(
    'getStorageShareInputs',
    'GET /assets/{assetId}/hours/{hourStart}/storage-share-inputs',
    ['certificates:getStorageShareInputs'],
    [no, NA, yes(), yes(), no],
    "the battery meter's import is household data; the certificate audit reads it with an operator's or the utility's key",
  ),
  row('getMatching', 'GET /participants/{participantId}/matching', ['certificates:getMatching'], DETAIL, 'household consumption'),
  row(
    'getCommunityMatching',
    'GET /communities/{communityId}/matching',
    ['certificates:getCommunityMatching'],
    [no, NA, yes('totals only'), yes('totals only'), no],
    'the regulator reads the recorded days instead (it holds no household consumption)',
  ),
  row(
    'recordCommunityMatching',
    'POST /communities/{communityId}/matching/days',
    ['certificates:recordCommunityMatching'],
    [no, NA, yes('totals only'), yes('totals only'), no],
  ),
  row(
    'getRecordedMatching',
    'GET /communities/{communityId}/matching/days',
    ['certificates:getRecordedMatching'],
    [no, NA, yes(), yes(), yes()],
    "recorded day totals only, no household's hours",
  ),

  // Credits
  row('depositCredits', 'POST /credits/deposits', ['credits:deposit'], [no, NA, no, yes('any participant'), no]),
  row('withdrawCredits', 'POST /credits/withdrawals', ['credits:withdraw'], [no, NA, no, yes('any participant'), no]),
  row(
    'transferCredits',
    'POST /credits/transfers',
    ['credits:transfer'],
    [yes('from its own account'), NA, no, no, no],
    'prosumers and consumers',
  ),
  row('getSupply', 'GET /credits/supply', ['credits:getSupply'], SETTLEMENT_READ),
  row('getAccount', 'GET /credits/{participantId}', ['credits:getAccount'], OWN_RECORDS, 'prosumers and consumers'),
  row(
    'getStatement',
    'GET /credits/{participantId}/statement',
    ['credits:getStatement'],
    [yes(), no, no, yes(), yes()],
    'prosumers and consumers',
  ),

  // Market
  row('getMarketParams', 'GET /markets/{communityId}/params', ['market:getParams'], PUBLIC),
  row('setMarketParams', 'PATCH /markets/{communityId}/params', ['market:setParams'], OPERATOR_ONLY),
  row('placeOrder', 'POST /orders', ['market:placeOrder'], [yes('its own orders'), NA, no, no, no], 'prosumers and consumers'),
  row('placeOrders', 'POST /orders/batch', ['market:placeOrders'], [yes('its own orders'), NA, no, no, no], 'prosumers and consumers'),
  row('getOrder', 'GET /orders/{orderId}', ['market:getOrder'], [yes(), no, yes(), no, yes()], 'prosumers and consumers'),
  row(
    'cancelOrder',
    'DELETE /orders/{orderId}',
    ['market:getOrder', 'market:cancelOrder'],
    [yes(), no, no, no, no],
    'prosumers and consumers',
  ),
  row(
    'listOrders',
    'GET /participants/{participantId}/orders',
    ['market:listOrders'],
    [yes(), no, yes(), no, yes()],
    'prosumers and consumers',
  ),
  row('getInterval', 'GET /markets/{communityId}/intervals/{intervalStart}', ['market:getInterval'], PUBLIC),
  row(
    'closeInterval',
    'POST /markets/{communityId}/intervals/{intervalStart}/close',
    ['market:closeInterval'],
    OPERATOR_ONLY,
    'and the market scheduler',
  ),
  row(
    'clearInterval',
    'POST /markets/{communityId}/intervals/{intervalStart}/clear',
    ['market:clearInterval'],
    OPERATOR_ONLY,
    'and the market scheduler',
  ),
  row(
    'settleInterval',
    'POST /markets/{communityId}/intervals/{intervalStart}/settle',
    ['market:settleInterval'],
    OPERATOR_ONLY,
    'and the market scheduler',
  ),
  row(
    'correctSettlement',
    'POST /markets/{communityId}/intervals/{intervalStart}/corrections/{participantId}',
    ['market:correctSettlement'],
    OPERATOR_ONLY,
  ),
  row(
    'getCurves',
    'GET /markets/{communityId}/intervals/{intervalStart}/curves',
    ['market:getCurves'],
    [yes('aggregated curves'), NA, yes('aggregated curves'), yes('aggregated curves'), yes('aggregated curves')],
  ),
  row(
    'getClearing',
    'GET /markets/{communityId}/intervals/{intervalStart}/clearing',
    ['market:getClearing'],
    [
      yes('price, volume, its own fills and trades'),
      NA,
      yes('all fills and trades'),
      yes('all fills and trades'),
      yes('all fills and trades'),
    ],
  ),
  row('getClearingOrders', 'GET /markets/{communityId}/intervals/{intervalStart}/orders', ['market:getClearingOrders'], SETTLEMENT_READ),
  row('getSettlement', 'GET /markets/{communityId}/intervals/{intervalStart}/settlement', ['market:getSettlement'], SETTLEMENT_READ),
  row(
    'listResults',
    'GET /markets/{communityId}/results',
    ['market:listResults', 'lists:listLatestResults'],
    [yes('clearing summaries'), NA, yes(), yes(), yes()],
  ),
  row(
    'getIntervalFigures',
    'GET /markets/{communityId}/intervals/{intervalStart}/figures',
    ['figures:getIntervalFigures'],
    [yes('aggregates'), NA, yes(), yes(), yes()],
  ),
  row('getPeriodFigures', 'GET /markets/{communityId}/figures', ['figures:getPeriodFigures'], [yes('aggregates'), NA, yes(), yes(), yes()]),

  // Grid model (docs/grid.md)
  row('setGridModel', 'PUT /communities/{communityId}/grid', ['grid:setModel'], [no, NA, no, yes(), no], 'the utility of UtilityMSP'),
  row('getGridModel', 'GET /communities/{communityId}/grid', ['grid:getModel'], [yes('zones, limits and losses'), NA, yes(), yes(), yes()]),
  row('listGridModelVersions', 'GET /communities/{communityId}/grid/versions', ['grid:listVersions'], SETTLEMENT_READ),
  row(
    'getClearingZones',
    'GET /markets/{communityId}/intervals/{intervalStart}/zones',
    ['market:getClearingZones'],
    [yes('zone prices and feeder flows (aggregates)'), NA, yes(), yes(), yes()],
  ),

  // Contracts
  row(
    'proposeContract',
    'POST /contracts',
    ['contracts:proposeContract'],
    [yes('as seller or buyer'), no, no, no, no],
    'prosumers and consumers',
  ),
  row('getContract', 'GET /contracts/{contractId}', ['contracts:getContract'], [yes('as a party'), no, yes(), yes(), yes()]),
  row('acceptContract', 'POST /contracts/{contractId}/acceptance', ['contracts:acceptContract'], [yes('as a party'), no, no, no, no]),
  row('withdrawContract', 'POST /contracts/{contractId}/withdrawal', ['contracts:withdrawContract'], [yes('as a party'), no, no, no, no]),
  row(
    'settleContracts',
    'POST /markets/{communityId}/intervals/{intervalStart}/contract-settlement',
    ['contracts:settleContracts'],
    OPERATOR_ONLY,
    'and the market scheduler',
  ),
  row(
    'getContractSettlement',
    'GET /markets/{communityId}/intervals/{intervalStart}/contract-settlement',
    ['contracts:getContractSettlement'],
    SETTLEMENT_READ,
  ),
  row(
    'correctContractSettlement',
    'POST /markets/{communityId}/intervals/{intervalStart}/contract-settlement/corrections/{participantId}',
    ['contracts:correctContractSettlement'],
    OPERATOR_ONLY,
  ),

  // API keys (no chaincode: the gateway's key file)
  row(
    'listApiKeys',
    'GET /api-keys',
    [],
    [yes('its own keys'), no, yes("its wallet's households and bridges"), no, no],
    'any caller lists its own keys',
  ),
  row(
    'rotateApiKey',
    'POST /api-keys/{keyId}/rotate',
    [],
    [yes('its own keys'), noKey, no, noKey, noKey],
    'a key is rotated by its own identity only',
  ),
  row(
    'revokeApiKey',
    'DELETE /api-keys/{keyId}',
    [],
    [yes('its own keys'), noKey, yes("its wallet's households and bridges"), noKey, noKey],
  ),
  row('getSession', 'GET /session', [], [yes('its own identity and key'), NA, yes(), yes(), yes()], 'who the presented key names'),

  // Live telemetry and grid alerts (docs/telemetry.md): zones for the grid's roles, a household its own meters
  row(
    'getGridLive',
    'GET /communities/{communityId}/grid/live',
    [],
    [yes('its own meters only'), NA, yes(), yes(), yes('zones, alerts and grid sensors; no meter')],
  ),
  row('getZoneTelemetry', 'GET /communities/{communityId}/zones/{zoneId}/telemetry', [], GRID_ONLY),
  row('getMeterTelemetry', 'GET /meters/{meterId}/telemetry', ['registry:getMeter'], DETAIL),
  row('listZoneIntervals', 'GET /communities/{communityId}/zones/{zoneId}/intervals', ['telemetry:listZoneIntervals'], GRID_ONLY),
  row('listGridAlerts', 'GET /communities/{communityId}/alerts', ['telemetry:listAlerts'], GRID_ONLY),
  row('getGridAlert', 'GET /communities/{communityId}/alerts/{alertId}', ['telemetry:getAlert'], GRID_ONLY),
  row(
    'acknowledgeGridAlert',
    'POST /communities/{communityId}/alerts/{alertId}/acknowledgement',
    ['telemetry:acknowledgeAlert'],
    [no, NA, yes(), no, no],
  ),
  row('issueSensorMqttCredential', 'POST /communities/{communityId}/sensors/{sensorId}/mqtt-credential', [], [no, NA, yes(), no, no]),
  // Dispatch of batteries and EVs, EV smart charging (docs/dispatch.md)
  row('registerFlexResource', 'POST /resources', ['dispatch:registerResource'], [yes(), no, no, no, no], "another's meter: ACCESS_DENIED"),
  row('getFlexResource', 'GET /resources/{resourceId}', ['dispatch:getResource'], OWN_RECORDS),
  row(
    'listOwnFlexResources',
    'GET /resources',
    ['dispatch:listResourcesBy'],
    OWN_RECORDS,
    'a household its own (another ownerId: ACCESS_DENIED); the others by communityId or ownerId',
  ),
  row(
    'listDispatches',
    'GET /dispatches',
    ['dispatch:listDispatches'],
    OWN_RECORDS,
    "newest first; a household its own (another's ownerId or resource: ACCESS_DENIED); the others by communityId, ownerId or resourceId",
  ),
  row('issueDeviceMqttCredential', 'POST /resources/{resourceId}/mqtt-credential', ['dispatch:getResource'], [yes(), no, no, no, no]),
  row('scheduleEvCharging', 'POST /resources/{resourceId}/charging-schedule', DISPATCH_SCHEDULE_TX, [yes(), no, no, no, no]),
  row('listFlexResources', 'GET /communities/{communityId}/resources', ['dispatch:listResources'], GRID_ONLY),
  row('requestDispatch', 'POST /communities/{communityId}/dispatches', ['dispatch:requestDispatch'], [no, NA, no, yes(), no]),
  row('listOpenDispatches', 'GET /communities/{communityId}/dispatches', ['dispatch:listOpenDispatches'], GRID_ONLY),
  row('getDispatch', 'GET /communities/{communityId}/dispatches/{dispatchId}', ['dispatch:getDispatch'], OWN_RECORDS),

  // Island mode (docs/islanding.md)
  row(
    'changeIslandMode',
    'POST /communities/{communityId}/island-changes',
    ['grid:changeIsland'],
    [no, NA, no, yes(), no],
    'the utility of UtilityMSP',
  ),
  row('getIslandMode', 'GET /communities/{communityId}/island', ['grid:getIsland'], GRID_ONLY),
  row(
    'orderLoadShedding',
    'POST /communities/{communityId}/load-sheddings',
    ['grid:orderShedding'],
    [no, NA, no, yes(), no],
    'the utility of UtilityMSP',
  ),
  row('listLoadSheddings', 'GET /communities/{communityId}/load-sheddings', ['grid:listSheddings'], GRID_ONLY),
  row('getIntervalZones', 'GET /communities/{communityId}/intervals/{intervalStart}/zones', ['grid:getIntervalZones'], GRID_ONLY),
  // Storage marketplace (docs/storage.md): batteries for battery providers, contracts for their buyers
  row(
    'registerBattery',
    'POST /batteries',
    ['storage:registerBattery'],
    [no, NA, yes(), no, no],
    'a battery provider for itself; the operator for a battery provider of CommunityMSP',
  ),
  row(
    'linkBatteryAsset',
    'PUT /batteries/{batteryId}/storage-asset',
    ['storage:linkBatteryAsset'],
    [no, NA, yes(), no, no],
    "the battery's provider; the operator for a battery provider of CommunityMSP",
  ),
  row('getBattery', 'GET /batteries/{batteryId}', ['storage:getBattery'], PUBLIC),
  row(
    'reportStateOfCharge',
    'POST /batteries/{batteryId}/state-of-charge',
    ['storage:reportStateOfCharge'],
    [no, NA, yes(), no, no],
    "the battery's provider; at the ledger also the Community's meter bridge",
  ),
  row(
    'issueBatteryMqttCredential',
    'POST /batteries/{batteryId}/mqtt-credential',
    ['storage:getBattery'],
    [no, NA, yes(), no, no],
    "the battery's provider, or the operator who installs its device (it publishes the state of charge; only the bridge reads it)",
  ),
  row('listBatteries', 'GET /communities/{communityId}/batteries', ['storage:listBatteries'], PUBLIC),
  row('searchStorage', 'GET /storage/offers', ['storage:searchBatteries'], PUBLIC),
  row('quoteStorage', 'GET /storage/quote', ['storage:getBattery', 'storage:searchBatteries'], PUBLIC),
  row('confirmStorage', 'POST /storage/contracts', ['storage:confirmStorage'], [yes('as buyer'), NA, no, no, no], 'a prosumer or consumer'),
  row(
    'getStorageContract',
    'GET /storage/contracts/{contractId}',
    ['storage:getStorageContract'],
    [yes('as a party'), NA, yes(), yes(), yes()],
    OTHERS_STORAGE,
  ),
  row(
    'listStorageFeedback',
    'GET /storage/contracts/{contractId}/feedback',
    ['storage:listStorageFeedback'],
    [yes('as a party'), NA, yes(), yes(), yes()],
    `support tickets and ratings the Community's BPP recorded; ${OTHERS_STORAGE}`,
  ),
  row(
    'cancelStorage',
    'POST /storage/contracts/{contractId}/cancellation',
    ['storage:cancelStorage'],
    [yes('as buyer'), NA, no, no, no],
    `the buyer or the battery's provider; ${OTHERS_STORAGE}`,
  ),
  row(
    'settleStorage',
    'POST /storage/contracts/{contractId}/settlement',
    ['storage:settleStorage'],
    [yes('as a party'), NA, yes(), no, no],
    `the operator of CommunityMSP, the buyer or the battery's provider; ${OTHERS_STORAGE}`,
  ),
  // Demand response (docs/flexibility.md): the utility or the operator runs events; a household answers and reads its own
  row('callFlexEvent', 'POST /flex/events', ['flex:callEvent'], [no, NA, yes(), yes(), no]),
  row('getFlexEvent', 'GET /flex/events/{eventId}', ['flex:getEvent'], [yes('its own answer only'), NA, yes(), yes(), yes()]),
  row('listFlexEvents', 'GET /communities/{communityId}/flex-events', ['flex:listEvents'], [yes(), NA, yes(), yes(), yes()]),
  row('optInFlexEvent', 'PUT /flex/events/{eventId}/opt-ins/{participantId}', ['flex:optIn'], [yes(), no, yes(), no, no]),
  row('optOutFlexEvent', 'DELETE /flex/events/{eventId}/opt-ins/{participantId}', ['flex:optOut'], [yes(), no, yes(), no, no]),
  row('fixFlexBaselines', 'POST /flex/events/{eventId}/baselines', ['flex:getEvent', 'flex:fixBaseline'], [no, NA, yes(), yes(), no]),
  row('getFlexBaseline', 'GET /flex/events/{eventId}/baselines/{participantId}', ['flex:getBaseline'], OWN_RECORDS),
  row('settleFlexEvent', 'POST /flex/events/{eventId}/settlement', ['flex:getEvent', 'flex:settle'], [no, NA, yes(), yes(), no]),
  row('getFlexResults', 'GET /flex/events/{eventId}/results', ['flex:getResults'], [yes('its own result only'), NA, yes(), yes(), yes()]),
  row('getFlexPerformance', 'GET /flex/events/{eventId}/performance/{participantId}', ['flex:getPerformance'], OWN_RECORDS),

  // The storage marketplace's BAP (docs/beckn.md): on the Utility gateway only; a caller sees only the transactions it started
  ...[
    ['becknSearchStorage', 'POST /beckn/storage/searches'],
    ['becknStorageTransaction', 'GET /beckn/storage/transactions/{transactionId}'],
    ['becknQuoteStorage', 'POST /beckn/storage/transactions/{transactionId}/quotes'],
    ['becknConfirmStorage', 'POST /beckn/storage/transactions/{transactionId}/contracts'],
    ['becknStorageStatus', 'POST /beckn/storage/transactions/{transactionId}/status'],
    ['becknCancelStorage', 'POST /beckn/storage/transactions/{transactionId}/cancellation'],
  ].map(([operation, route]) => row(operation, route, [], BAP_ONLY, BAP_NOTE)),

  // Chaincode transactions without a route (straight at a peer, with the identity's certificate)
  row('metering:listGaps', undefined, ['metering:listGaps'], OWN_RECORDS),
  row('metering:setParams', undefined, ['metering:setParams'], OPERATOR_ONLY, 'operators of CommunityMSP (tools, benchmarks)'),
  row('market:listDue', undefined, ['market:listDue'], OPERATOR_ONLY, 'the market scheduler'),
  row(
    'storage:recordStorageFeedback',
    undefined,
    ['storage:recordStorageFeedback'],
    OPERATOR_ONLY,
    "operators of CommunityMSP: the Community's Beckn BPP records support tickets and ratings",
  ),
  row(
    'certificates:openIssuer',
    undefined,
    ['certificates:openIssuer'],
    [no, NA, no, no, yes()],
    'assets verified before certificates existed',
  ),
  row('certificates:listIssuable', undefined, ['certificates:listIssuable'], [no, NA, yes(), yes(), yes()], 'the certificate scheduler'),
  row('telemetry:recordZoneIntervals', undefined, ['telemetry:recordZoneIntervals'], TELEMETRY_STEPS, `and ${TELEMETRY_SERVICE}`),
  row('telemetry:raiseAlert', undefined, ['telemetry:raiseAlert'], TELEMETRY_STEPS, `and ${TELEMETRY_SERVICE}`),
  row('telemetry:clearAlert', undefined, ['telemetry:clearAlert'], TELEMETRY_STEPS, `and ${TELEMETRY_SERVICE}`),
  row('dispatch:recordAck', undefined, ['dispatch:recordAck'], DISPATCH_STEPS, DISPATCH_SERVICE),
  row('dispatch:markNonResponsive', undefined, ['dispatch:markNonResponsive'], DISPATCH_STEPS, DISPATCH_SERVICE),
  row('dispatch:settleDispatch', undefined, ['dispatch:settleDispatch'], DISPATCH_STEPS, DISPATCH_SERVICE),
  row('dispatch:resettleDispatch', undefined, ['dispatch:resettleDispatch'], DISPATCH_STEPS, DISPATCH_SERVICE),
  row('system:ping', undefined, ['system:ping'], PUBLIC, 'any identity of the channel, also one registered nowhere'),
  row('system:whoami', undefined, ['system:whoami'], PUBLIC, 'any identity of the channel, also one registered nowhere'),
  row('system:noop', undefined, ['system:noop'], PUBLIC, 'any identity of the channel (benchmarks, the start-up probe)'),
  // The OpenADR VTN's POST /reports records a VEN's report as its household (docs/openadr.md).
  row('flex:recordReport', undefined, ['flex:recordReport'], [yes(), no, yes(), no, no], "the VTN's POST /reports, as the household"),
  row('flex:listReports', undefined, ['flex:listReports'], [yes('its own reports only'), NA, yes(), yes(), yes()]),
  // Forecasts (docs/forecasts.md): a meter's is household detail; a community's is the sum of its meters'.
  row('getMeterForecast', 'GET /forecasts/meters/{meterId}', ['registry:getMeter', 'metering:listReadings', 'metering:getParams'], DETAIL),
  row(
    'getCommunityForecast',
    'GET /communities/{communityId}/forecast',
    ['metering:getParams', 'registry:listCommunityMeters', 'metering:listReadings'],
    [no, NA, yes(), yes(), yes('the sums only')],
  ),
  // Paged lists (chaincode/src/lists, docs/api.md "Lists"): a community's lists name no household; the regulator reads none of
  // a household's records (disputes, participants, meters, deposits) but the verification queue and contracts.
  row('listOpenDisputes', 'GET /communities/{communityId}/disputes', ['lists:listOpenDisputes'], [no, NA, yes(), yes(), no]),
  row(
    'listResolvedDisputes',
    'GET /communities/{communityId}/resolved-disputes',
    ['lists:listResolvedDisputes'],
    [no, NA, yes(), yes(), no],
  ),
  row('listUnverifiedAssets', 'GET /communities/{communityId}/unverified-assets', ['lists:listUnverifiedAssets'], SETTLEMENT_READ),
  row(
    'listCommunityBankEntries',
    'GET /communities/{communityId}/bank-entries',
    ['lists:listCommunityBankEntries'],
    [no, NA, no, yes(), no],
  ),
  row(
    'listCommunityParticipants',
    'GET /communities/{communityId}/participants',
    ['lists:listParticipants'],
    [no, NA, yes(), yes(), no],
    'a household reads its own record (getParticipant)',
  ),
  row('listCommunityMeters', 'GET /communities/{communityId}/meters', ['lists:listCommunityMeters'], [no, NA, yes(), yes(), no]),
  row('listCommunityContracts', 'GET /communities/{communityId}/contracts', ['lists:listCommunityContracts'], SETTLEMENT_READ),
  row('listParticipantDisputes', 'GET /participants/{participantId}/disputes', ['lists:listDisputes'], DETAIL),
  row('listParticipantContracts', 'GET /participants/{participantId}/contracts', ['lists:listContracts'], OWN_RECORDS),
  row(
    'listParticipantBankEntries',
    'GET /participants/{participantId}/bank-entries',
    ['lists:listBankEntries'],
    [yes(), no, no, yes(), no],
  ),
  row(
    'listParticipantStorageContracts',
    'GET /participants/{participantId}/storage-contracts',
    ['storage:listStorageContracts'],
    OWN_RECORDS,
    'a battery provider lists its own, as provider',
  ),
  row(
    'backfillListIndexes',
    'POST /list-indexes/backfill',
    ['lists:readBackfillPage', 'lists:backfillIndexes'],
    [no, NA, yes(), no, yes()],
    'an operator of CommunityMSP or the regulator of RegulatorMSP, once after an upgrade',
  ),

  // Peer-to-peer offers and owner mandates (docs/p2p.md): offers are announcements; the seller decides its offer's requests
  row('createOffer', 'POST /p2p/offers', ['p2p:createOffer'], [yes('from its own meter'), no, no, no, no], 'prosumers and consumers'),
  row('listOffers', 'GET /p2p/offers', ['p2p:listOffers'], PUBLIC),
  row('getOffer', 'GET /p2p/offers/{offerId}', ['p2p:getOffer'], PUBLIC),
  row('cancelOffer', 'DELETE /p2p/offers/{offerId}', ['p2p:cancelOffer'], [yes('as seller'), no, no, no, no]),
  row('requestOffer', 'POST /p2p/offers/{offerId}/requests', ['p2p:requestOffer'], [yes('as buyer'), NA, no, no, no]),
  row(
    'listRequests',
    'GET /p2p/offers/{offerId}/requests',
    ['p2p:listRequests'],
    [yes('all as seller, its own as buyer'), yes('its own requests only (none)'), yes(), yes(), yes()],
  ),
  row('withdrawRequest', 'DELETE /p2p/offers/{offerId}/requests/{requestId}', ['p2p:withdrawRequest'], [yes('as buyer'), no, no, no, no]),
  row('acceptRequests', 'POST /p2p/offers/{offerId}/acceptances', ['p2p:acceptRequests'], [yes('as seller'), no, no, no, no]),
  row('refuseRequests', 'POST /p2p/offers/{offerId}/refusals', ['p2p:refuseRequests'], [yes('as seller'), no, no, no, no]),
  row('setMandate', 'PUT /p2p/mandates/{participantId}', ['p2p:setMandate'], [yes('its owner identity, not gl.agent'), no, no, no, no]),
  row('getMandate', 'GET /p2p/mandates/{participantId}', ['p2p:getMandate'], OWN_RECORDS),
  row(
    'getMeterAgent',
    'GET /p2p/meters/{meterId}/agent',
    ['p2p:getMeterAgent'],
    [yes("its own meters' and its community's"), NA, yes(), yes(), yes()],
    "any participant of the meter's community",
  ),

  // Agent keys (no chaincode: the CA and the gateway's key file; docs/security.md, "Agent identities")
  row(
    'issueAgentKey',
    'POST /participants/{participantId}/agent-keys',
    [],
    [yes("its own agent's"), no, no, no, no],
    "the owner's own key only, never an agent's",
  ),
  row(
    'listAgentKeys',
    'GET /participants/{participantId}/agent-keys',
    [],
    [yes("its own agent's keys"), no, yes("its wallet's households' agents"), no, no],
  ),
  row(
    'revokeAgentKey',
    'DELETE /participants/{participantId}/agent-keys/{keyId}',
    [],
    [yes("its own agent's keys"), no, yes("its wallet's households' agents"), no, no],
  ),
  row(
    'issueAgentMqttCredential',
    'POST /participants/{participantId}/agent-mqtt-credential',
    ['registry:getParticipant', 'registry:listMeters'],
    [yes("its agent's (with the owner's or the agent's key)"), no, no, no, no],
    "the principal agent:<participantId> reads its household's meters' plans only",
  ),
];

const CALLER_HEADINGS: Record<CallerClass, string> = {
  self: 'household, own',
  other: "household, another's",
  operator: 'operator',
  utility: 'utility',
  regulator: 'regulator',
};

const cell = (access: Access | null): string => {
  if (access === null) return '—';
  if (access.allowed) return access.sees === undefined ? 'yes' : `yes: ${access.sees}`;
  return access.status === 403 && access.code === 'ACCESS_DENIED' ? 'no' : `no (${access.status} ${access.code})`;
};

/** The "Access table" section of docs/security.md, from its heading to the line before the next section. */
export function accessTableMarkdown(): string {
  const header = ['operation', 'route', 'transactions', ...CALLERS.map((c) => CALLER_HEADINGS[c]), 'note'];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const rows = ACCESS_TABLE.map((r) =>
    line([
      `\`${r.operation}\``,
      r.route === undefined ? '(none)' : `\`${r.route}\``,
      r.tx.length === 0 ? '(none)' : r.tx.map((t) => `\`${t}\``).join(', '),
      ...CALLERS.map((c) => cell(r.callers[c])),
      r.note ?? '',
    ]),
  );
  return [
    '## Access table',
    '',
    'Generated from `gateway-api/src/access-table.ts` (`node gateway-api/dist/access-table.js docs/security.md` rewrites',
    'this section; `gateway-api/test/access-table.test.ts` fails when it differs). One row per operation of',
    'the served OpenAPI document and per chaincode transaction without a route; `test/e2e/25-access-table.test.ts`',
    'makes one request per row and caller on the real network. "household, own": a prosumer on its own records;',
    '"household, another\'s": a prosumer on another household\'s (its id, meter, order, contract, asset or key);',
    '"—": the request names no household. "no" is 403 `ACCESS_DENIED` from the gateway or the chaincode.',
    '',
    line(header),
    line(header.map(() => '---')),
    ...rows,
    '',
  ].join('\n');
}

/** Replaces the "Access table" section of a docs/security.md text (up to the next `## ` heading). */
export const withAccessTable = (doc: string): string => replaceDocSection(doc, 'Access table', accessTableMarkdown());

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readFileSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
  const file = process.argv[2] ?? 'docs/security.md';
  writeFileSync(file, withAccessTable(readFileSync(file, 'utf8')));
}
