/**
 * Stable, machine-readable error codes. The chaincode throws them, the gateway maps them to HTTP
 * statuses and the device bridge puts them on the receipts topic. A code, once published, keeps
 * its meaning: clients branch on it, never on the message text.
 *
 * Over 400 lines, one file: the one table of every code with its meaning, data rather than logic;
 * split, a code could be defined twice.
 */
export const ErrorCodes = {
  /** The reading is not of the documented shape (missing or extra field, wrong type, bad id). */
  READING_MALFORMED: 'READING_MALFORMED',
  /** intervalStart does not fall on a boundary of the market's interval length. */
  READING_INTERVAL_MISALIGNED: 'READING_INTERVAL_MISALIGNED',
  /** The signature does not verify against the meter's registered public key. */
  READING_BAD_SIGNATURE: 'READING_BAD_SIGNATURE',
  /** No meter of that id is registered on the ledger. */
  METER_NOT_REGISTERED: 'METER_NOT_REGISTERED',
  /** The meter is registered but not active (not yet commissioned, or retired). */
  METER_INACTIVE: 'METER_INACTIVE',
  /** The meter already has a different reading for that interval; corrections go through a dispute. */
  READING_CONFLICT: 'READING_CONFLICT',
  /** The reading's interval has not ended at the time of the transaction. */
  READING_IN_FUTURE: 'READING_IN_FUTURE',
  /** The reading arrived after the late window of its interval closed. */
  READING_TOO_LATE: 'READING_TOO_LATE',
  /** More export than the meter's assets can produce in the interval, or export on a consumption meter. */
  READING_EXPORT_IMPLAUSIBLE: 'READING_EXPORT_IMPLAUSIBLE',
  /** seq is not above that of an earlier interval's reading (or not below a later one's). */
  READING_SEQ_NOT_INCREASING: 'READING_SEQ_NOT_INCREASING',
  /** A cumulative register below that of an earlier interval. */
  READING_REGISTER_DECREASED: 'READING_REGISTER_DECREASED',
  /** A cumulative register that does not agree with the interval values. */
  READING_REGISTER_INCONSISTENT: 'READING_REGISTER_INCONSISTENT',
  /** More import than the site's connection capacity allows in the interval. */
  READING_IMPORT_IMPLAUSIBLE: 'READING_IMPORT_IMPLAUSIBLE',
  /** A site, asset, meter exchange or preference record not of the documented shape; `details.field`. */
  ASSET_INVALID: 'ASSET_INVALID',
  /** A site or asset of that id is already registered. */
  ASSET_EXISTS: 'ASSET_EXISTS',
  /** No site or asset of that id is registered. */
  ASSET_NOT_FOUND: 'ASSET_NOT_FOUND',
  /** The interval's window is already closed, or cannot be closed yet (it has not ended). */
  WINDOW_STATE_INVALID: 'WINDOW_STATE_INVALID',
  /** No position is recorded for that participant and interval (its window is not closed). */
  POSITION_NOT_FOUND: 'POSITION_NOT_FOUND',
  /** An energy-token transfer of more Wh than the owner holds for the interval, or of none. */
  TOKENS_INSUFFICIENT: 'TOKENS_INSUFFICIENT',
  /** A dispute not of the documented form, or a resolution of a dispute that is not open. */
  DISPUTE_INVALID: 'DISPUTE_INVALID',
  /** No dispute of that meter and interval was opened. */
  DISPUTE_NOT_FOUND: 'DISPUTE_NOT_FOUND',
  /**
   * The household-consumption collection's value a transaction needs is not on this peer (it is
   * not a member of the collection, or has not received it yet): endorse on Community or Utility.
   */
  PRIVATE_DATA_UNAVAILABLE: 'PRIVATE_DATA_UNAVAILABLE',
  /** A meter public key that is not an ECDSA P-256 public key in PEM (SPKI) form. */
  METER_KEY_INVALID: 'METER_KEY_INVALID',
  /** A participant id that is not of the documented form. */
  PARTICIPANT_ID_INVALID: 'PARTICIPANT_ID_INVALID',
  /** A role that is not one of the platform's roles. */
  PARTICIPANT_ROLE_INVALID: 'PARTICIPANT_ROLE_INVALID',
  /** The participant's identity is already registered at its organization's CA. */
  PARTICIPANT_EXISTS: 'PARTICIPANT_EXISTS',
  /** The organization's CA refused or failed a request; details carry the CA's own error code. */
  CA_REQUEST_FAILED: 'CA_REQUEST_FAILED',
  /** An order id not of the documented form. */
  ORDER_ID_INVALID: 'ORDER_ID_INVALID',
  /** An order's placement time that is not a UTC instant. */
  ORDER_PLACED_AT_INVALID: 'ORDER_PLACED_AT_INVALID',
  /** An order side other than buy or sell. */
  ORDER_SIDE_INVALID: 'ORDER_SIDE_INVALID',
  /** energyWh is not a positive integer of at most 1 GWh. */
  ORDER_ENERGY_INVALID: 'ORDER_ENERGY_INVALID',
  /** The limit price lies outside [feed-in tariff, retail tariff]. */
  ORDER_PRICE_OUT_OF_BAND: 'ORDER_PRICE_OUT_OF_BAND',
  /** Market parameters that break the price rules (feed-in above retail, k outside [0, 1]...). */
  MARKET_PARAMS_INVALID: 'MARKET_PARAMS_INVALID',
  /** Metering parameters out of their ranges (an interval that does not divide a day, a negative late window...) or with an unknown
   * field. */
  METERING_PARAMS_INVALID: 'METERING_PARAMS_INVALID',
  /** An order book the clearing refuses: repeated order ids, a participant on both sides. */
  CLEARING_BOOK_INVALID: 'CLEARING_BOOK_INVALID',
  /** Fills, trades or metered positions that do not belong together (see the details). */
  SETTLEMENT_INPUT_INVALID: 'SETTLEMENT_INPUT_INVALID',
  /** A participant with orders in the interval has no verified metered position yet. */
  SETTLEMENT_METERING_INCOMPLETE: 'SETTLEMENT_METERING_INCOMPLETE',
  /** A buy order whose escrow, a withdrawal or a transfer exceeds the available credits. */
  INSUFFICIENT_CREDITS: 'INSUFFICIENT_CREDITS',
  /** A seller's orders in an interval beyond what its meters' assets can produce in it. */
  SELLER_CAPACITY_EXCEEDED: 'SELLER_CAPACITY_EXCEEDED',
  /** The interval's gate has closed (or it was closed): no orders, no cancellations. */
  INTERVAL_CLOSED: 'INTERVAL_CLOSED',
  /** The interval is not open for orders yet (beyond the opening horizon). */
  INTERVAL_NOT_OPEN: 'INTERVAL_NOT_OPEN',
  /** An interval start that is not an instant on the market's interval grid. */
  INTERVAL_INVALID: 'INTERVAL_INVALID',
  /** A close, clearing or settlement the interval's state does not allow (already done, or too early). */
  INTERVAL_STATE_CONFLICT: 'INTERVAL_STATE_CONFLICT',
  /** No interval record (not closed yet) or no clearing for that interval. */
  INTERVAL_NOT_FOUND: 'INTERVAL_NOT_FOUND',
  /** A clientOrderId (or credit reference) already used for a different request. */
  CLIENT_ID_REUSED: 'CLIENT_ID_REUSED',
  /** No order of that id. */
  ORDER_NOT_FOUND: 'ORDER_NOT_FOUND',
  /** The participant already holds orders on the other side of the interval (no self-trade). */
  ORDER_SIDE_CONFLICT: 'ORDER_SIDE_CONFLICT',
  /** The community has no market parameters yet. */
  MARKET_NOT_FOUND: 'MARKET_NOT_FOUND',
  /** A grid model not of the documented shape (one radial tree of zones, limits in W, loss in ppm) or with an effectiveFrom not on a
   * future interval boundary; `details.field` names the field where one is to blame. */
  GRID_MODEL_INVALID: 'GRID_MODEL_INVALID',
  /** The community has no grid model in force at that interval. */
  GRID_MODEL_NOT_FOUND: 'GRID_MODEL_NOT_FOUND',
  /** A site or asset names a zone that the community's grid model does not have; `details.zone` names it. */
  ZONE_UNKNOWN: 'ZONE_UNKNOWN',
  /** A bilateral contract not of the documented shape or terms; details.field names the field. */
  CONTRACT_INVALID: 'CONTRACT_INVALID',
  /** No bilateral contract of that id. */
  CONTRACT_NOT_FOUND: 'CONTRACT_NOT_FOUND',
  /** An acceptance, withdrawal or contract settlement the contract's (or interval's) state does not allow. */
  CONTRACT_STATE_CONFLICT: 'CONTRACT_STATE_CONFLICT',
  /** A sum of money (or energy) beyond the exact range (2^53 − 1 micro-units or Wh): refused, never rounded. */
  AMOUNT_OUT_OF_RANGE: 'AMOUNT_OUT_OF_RANGE',
  /** A Beckn message without an Authorization (or X-Gateway-Authorization) header. */
  BECKN_SIGNATURE_MISSING: 'BECKN_SIGNATURE_MISSING',
  /** A Beckn signature header not of the BECKN-006 form (scheme, parameters, keyId, algorithm, headers, times). */
  BECKN_SIGNATURE_MALFORMED: 'BECKN_SIGNATURE_MALFORMED',
  /** The signature's created time lies in the future. */
  BECKN_SIGNATURE_NOT_YET_VALID: 'BECKN_SIGNATURE_NOT_YET_VALID',
  /** The signature's expires time has passed. */
  BECKN_SIGNATURE_EXPIRED: 'BECKN_SIGNATURE_EXPIRED',
  /** The registry has no key for the keyId's subscriber and key id. */
  BECKN_SIGNATURE_UNKNOWN_KEY: 'BECKN_SIGNATURE_UNKNOWN_KEY',
  /** The signature does not verify over the body received with the subscriber's key. */
  BECKN_SIGNATURE_INVALID: 'BECKN_SIGNATURE_INVALID',
  /** An Ed25519 key that is not of the registry's base64 raw form. */
  BECKN_KEY_INVALID: 'BECKN_KEY_INVALID',
  /** The signature's created-to-expires window is longer than the verifier's maximum (docs/beckn.md#signatures). */
  BECKN_SIGNATURE_LIFETIME_TOO_LONG: 'BECKN_SIGNATURE_LIFETIME_TOO_LONG',
  /** The same signature was presented before: a captured message replayed. */
  BECKN_SIGNATURE_REPLAYED: 'BECKN_SIGNATURE_REPLAYED',
  /** The registry's key for the keyId is not valid over the signature's times (valid_from, valid_until, status). */
  BECKN_KEY_NOT_VALID: 'BECKN_KEY_NOT_VALID',
  /** The Beckn registry could not be reached or answered out of form: the signer's key cannot be looked up. */
  BECKN_REGISTRY_UNAVAILABLE: 'BECKN_REGISTRY_UNAVAILABLE',
  /** A Beckn message whose context or message is not of our Beckn 1.1 schemas or does not fit the endpoint; `details.field`. */
  BECKN_MESSAGE_INVALID: 'BECKN_MESSAGE_INVALID',
  /** A Beckn message_id already received from that sender for that action with other content. */
  BECKN_MESSAGE_DUPLICATE: 'BECKN_MESSAGE_DUPLICATE',
  /** No Beckn transaction of the caller's under that id at this BAP (kept an hour), or no BPP of that id met in it; `details.field`. */
  BECKN_TRANSACTION_UNKNOWN: 'BECKN_TRANSACTION_UNKNOWN',
  /** A certificate request or input not of the documented shape or range; `details.field` names the field. */
  CERTIFICATE_INPUT_INVALID: 'CERTIFICATE_INPUT_INVALID',
  /** The asset is not verified by the regulator: its energy backs no certificate and no green claim. */
  CERTIFICATE_ASSET_UNVERIFIED: 'CERTIFICATE_ASSET_UNVERIFIED',
  /** The asset's source is not renewable production (storage issues only from its discharge). */
  CERTIFICATE_ASSET_NOT_RENEWABLE: 'CERTIFICATE_ASSET_NOT_RENEWABLE',
  /** A metering window or the market settlement of the hour is not closed yet: nothing is issued before. */
  CERTIFICATE_HOUR_OPEN: 'CERTIFICATE_HOUR_OPEN',
  /** The hour holds an estimated reading of the asset's meter: estimates never back certificates. */
  CERTIFICATE_HOUR_ESTIMATED: 'CERTIFICATE_HOUR_ESTIMATED',
  /** The hour is issued already and its verified figure allows nothing more. */
  CERTIFICATE_HOUR_ISSUED: 'CERTIFICATE_HOUR_ISSUED',
  /** No certificate bundle holds that id. */
  CERTIFICATE_NOT_FOUND: 'CERTIFICATE_NOT_FOUND',
  /** More Wh than the bundle holds (a transfer, claim or storage charge). */
  CERTIFICATE_QUANTITY_EXCEEDED: 'CERTIFICATE_QUANTITY_EXCEEDED',
  /** The certificate is cancelled (claimed, or charged into storage): final, it moves no more. */
  CERTIFICATE_CANCELLED: 'CERTIFICATE_CANCELLED',
  /** The certificate is past its expiry (12 months after its production period ended). */
  CERTIFICATE_EXPIRED: 'CERTIFICATE_EXPIRED',
  /** The certificate was withdrawn by the regulator or by a lowered verified figure. */
  CERTIFICATE_WITHDRAWN: 'CERTIFICATE_WITHDRAWN',
  /** The certificate is reserved for a pending transfer: it moves only by that transfer's completion or release. */
  CERTIFICATE_RESERVED: 'CERTIFICATE_RESERVED',
  /** A completion or release of a transfer that is not pending on the certificate (or is another one). */
  CERTIFICATE_NOT_RESERVED: 'CERTIFICATE_NOT_RESERVED',
  /** A claim or storage charge whose period does not hold the certificate's production hour. */
  CERTIFICATE_PERIOD_MISMATCH: 'CERTIFICATE_PERIOD_MISMATCH',
  /** More certificates charged into storage than the battery's metered charge of the hour. */
  STORAGE_CHARGE_EXCEEDS_METERED: 'STORAGE_CHARGE_EXCEEDS_METERED',
  /** An islanding or curtailment input not of the documented shape or range; `details.field` names the field. */
  ISLAND_INPUT_INVALID: 'ISLAND_INPUT_INVALID',
  /** The community is already in the mode asked for (islanded or connected). */
  ISLAND_MODE_UNCHANGED: 'ISLAND_MODE_UNCHANGED',
  /** A change of island mode must take effect from an interval that has not started. */
  ISLAND_CHANGE_NOT_FUTURE: 'ISLAND_CHANGE_NOT_FUTURE',
  /** A load-shedding order not of the documented shape or range; `details.field` names the field. */
  SHEDDING_INPUT_INVALID: 'SHEDDING_INPUT_INVALID',
  /** A load-shedding order whose window holds an interval that is cleared already (`details.intervalStart`). */
  SHEDDING_INTERVAL_CLEARED: 'SHEDDING_INTERVAL_CLEARED',
  /** A telemetry sample, interval aggregate or alert record not of the documented shape (docs/telemetry.md); `details.field`. */
  TELEMETRY_MALFORMED: 'TELEMETRY_MALFORMED',
  /** Telemetry from a device that is neither a registered meter nor a sensor of the grid model. */
  TELEMETRY_DEVICE_UNKNOWN: 'TELEMETRY_DEVICE_UNKNOWN',
  /** A telemetry value outside what a device can measure (power, frequency, voltage, a time too far ahead). */
  TELEMETRY_OUT_OF_RANGE: 'TELEMETRY_OUT_OF_RANGE',
  /** A device publishing for a zone other than the one it is registered in. */
  TELEMETRY_ZONE_MISMATCH: 'TELEMETRY_ZONE_MISMATCH',
  /** The telemetry service (in the device bridge) cannot be reached. */
  TELEMETRY_UNAVAILABLE: 'TELEMETRY_UNAVAILABLE',
  /** No grid alert of that id is recorded. */
  ALERT_NOT_FOUND: 'ALERT_NOT_FOUND',
  /** An alert step that does not fit its state (acknowledging a cleared alert, raising one id with other content). */
  ALERT_STATE_INVALID: 'ALERT_STATE_INVALID',
  /** A battery, storage search or storage contract not of the documented shape or range (docs/storage.md); `details.field`. */
  STORAGE_INPUT_INVALID: 'STORAGE_INPUT_INVALID',
  /** No battery of that id is registered. */
  BATTERY_NOT_FOUND: 'BATTERY_NOT_FOUND',
  /** A battery of that id is registered already, with other terms. */
  BATTERY_EXISTS: 'BATTERY_EXISTS',
  /** The asset a battery names is not a regulator-verified storage asset of its provider on its meter; `details.reason`. */
  BATTERY_ASSET_INVALID: 'BATTERY_ASSET_INVALID',
  /** The battery names another storage asset already, or the asset is another battery's; `details.batteryId`, `details.assetId`. */
  BATTERY_ASSET_LINKED: 'BATTERY_ASSET_LINKED',
  /** A storage contract's certificates charged into a battery that names no storage asset. */
  BATTERY_ASSET_MISSING: 'BATTERY_ASSET_MISSING',
  /** The storage contract's window is not inside one of the battery's availability windows, or starts before the interval in progress. */
  STORAGE_WINDOW_UNAVAILABLE: 'STORAGE_WINDOW_UNAVAILABLE',
  /** The reservation would take the battery's reserved capacity above its capacity somewhere in the window; `details.freeWh`. */
  STORAGE_CAPACITY_EXCEEDED: 'STORAGE_CAPACITY_EXCEEDED',
  /** No storage contract of that id. */
  STORAGE_CONTRACT_NOT_FOUND: 'STORAGE_CONTRACT_NOT_FOUND',
  /** A cancellation or settlement the storage contract's state (or time) does not allow; `details.status`. */
  STORAGE_CONTRACT_STATE_CONFLICT: 'STORAGE_CONTRACT_STATE_CONFLICT',
  /** A demand-response event, opt-in or baseline specification not of the documented shape (docs/flexibility.md); `details.field`. */
  FLEX_EVENT_INVALID: 'FLEX_EVENT_INVALID',
  /** A demand-response event whose window starts at or before the transaction time. */
  FLEX_EVENT_IN_PAST: 'FLEX_EVENT_IN_PAST',
  /** A demand-response event called with less notice before its start than the documented minimum. */
  FLEX_NOTICE_TOO_SHORT: 'FLEX_NOTICE_TOO_SHORT',
  /** A demand-response event of that id is already recorded (with other content). */
  FLEX_EVENT_EXISTS: 'FLEX_EVENT_EXISTS',
  /** No demand-response event of that id is recorded. */
  FLEX_EVENT_NOT_FOUND: 'FLEX_EVENT_NOT_FOUND',
  /** An opt-in or opt-out after the event's opt-in deadline. */
  FLEX_OPT_IN_CLOSED: 'FLEX_OPT_IN_CLOSED',
  /** An opt-in to an event whose window overlaps another event the participant is opted in to. */
  FLEX_EVENT_OVERLAP: 'FLEX_EVENT_OVERLAP',
  /** The participant has no active meter in the event's community and zones. */
  FLEX_NOT_ELIGIBLE: 'FLEX_NOT_ELIGIBLE',
  /** A step that does not fit the event's time or state (fixing a baseline after the start, settling before the windows closed). */
  FLEX_STATE_INVALID: 'FLEX_STATE_INVALID',
  /** No fixed baseline (or result) of that participant for that event. */
  FLEX_BASELINE_NOT_FOUND: 'FLEX_BASELINE_NOT_FOUND',
  /** A flexible resource's registration or limits not of the documented shape (docs/dispatch.md); `details.field`. */
  RESOURCE_INVALID: 'RESOURCE_INVALID',
  /** No flexible resource of that id is registered. */
  RESOURCE_NOT_FOUND: 'RESOURCE_NOT_FOUND',
  /** A dispatch request, acknowledgement or delivery not of the documented shape; `details.field`. */
  DISPATCH_INVALID: 'DISPATCH_INVALID',
  /** A setpoint beyond a limit its owner signed (power, state of charge, EV departure or target); `details.limit`. */
  DISPATCH_LIMIT_EXCEEDED: 'DISPATCH_LIMIT_EXCEEDED',
  /** No dispatch of that id in that community. */
  DISPATCH_NOT_FOUND: 'DISPATCH_NOT_FOUND',
  /** A dispatch step that does not fit its state (an acknowledgement after the deadline, a second settlement, an id reused). */
  DISPATCH_STATE_INVALID: 'DISPATCH_STATE_INVALID',
  /** A dispatch's settlement waits for the meter's readings of the setpoint's metering intervals until `details.readingsBy`. */
  DISPATCH_READINGS_PENDING: 'DISPATCH_READINGS_PENDING',
  /** The caller's identity (MSP, gl.role, gl.id) may not do this. */
  ACCESS_DENIED: 'ACCESS_DENIED',
  /** No valid API key (gateway) or no identity attributes (chaincode). */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The API key is past its expiry (gateway); a new one comes from rotation before it, or from the operator. */
  API_KEY_EXPIRED: 'API_KEY_EXPIRED',
  /** The API key was revoked, or replaced by a rotation (gateway). */
  API_KEY_REVOKED: 'API_KEY_REVOKED',
  /** No API key of that id that the caller may see (gateway). */
  API_KEY_NOT_FOUND: 'API_KEY_NOT_FOUND',
  /** A request that does not match the API description; `details.path` names the field. */
  REQUEST_INVALID: 'REQUEST_INVALID',
  /** No endpoint at that path (gateway). */
  ROUTE_NOT_FOUND: 'ROUTE_NOT_FOUND',
  /** The endpoint exists but not for that HTTP method (gateway). */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** No participant of that id is recorded on the ledger. */
  PARTICIPANT_NOT_FOUND: 'PARTICIPANT_NOT_FOUND',
  /** A meter of that id is already registered. */
  METER_EXISTS: 'METER_EXISTS',
  /** The participant's other meters are registered in another community (a participant's meters share one); `details.communityId` names
   * it. */
  METER_COMMUNITY_CONFLICT: 'METER_COMMUNITY_CONFLICT',
  /** A meter registration that is not of the documented shape; `details.field` names the field. */
  METER_INVALID: 'METER_INVALID',
  /** No reading is stored for that meter and interval. */
  READING_NOT_FOUND: 'READING_NOT_FOUND',
  /** The reading's hour is archived: its record left the world state; the block store and the hour's Merkle root prove it. */
  READING_ARCHIVED: 'READING_ARCHIVED',
  /** An hour that cannot be archived (yet): not an hour, or some horizon of it has not passed. */
  ARCHIVE_NOT_DUE: 'ARCHIVE_NOT_DUE',
  /** The reading's dispute period (metering parameter disputeWindowSeconds) has passed; `details.closedAt` says when. */
  DISPUTE_WINDOW_CLOSED: 'DISPUTE_WINDOW_CLOSED',
  /** A batch of readings that is empty or larger than the contract takes in one transaction. */
  READING_BATCH_INVALID: 'READING_BATCH_INVALID',
  /** The transaction read a key that another committed first (MVCC); retry with the same ids. */
  TRANSACTION_CONFLICT: 'TRANSACTION_CONFLICT',
  /** The ledger (peer, orderer or chaincode) cannot be reached or did not answer in time. */
  LEDGER_UNAVAILABLE: 'LEDGER_UNAVAILABLE',
  /** The MQTT broker cannot be reached or did not answer; what the ledger recorded stands, ask for the credential again. */
  BROKER_UNAVAILABLE: 'BROKER_UNAVAILABLE',
  /** Anything unexpected; the message and the logs (with the transaction id) say more. */
  INTERNAL: 'INTERNAL',
  /** An OpenADR 3 VTN request whose bearer token lacks the scope the route needs (docs/openadr.md); `details.scope`. */
  OPENADR_SCOPE_MISSING: 'OPENADR_SCOPE_MISSING',
  /** An OpenADR 3 report naming a resource that is not one of the caller's VENs' resources; `details.resourceName`. */
  OPENADR_FOREIGN_RESOURCE: 'OPENADR_FOREIGN_RESOURCE',
  /** No OpenADR 3 object (program, event, VEN, resource, report, subscription) of that id the caller may see. */
  OPENADR_OBJECT_NOT_FOUND: 'OPENADR_OBJECT_NOT_FOUND',
  /** An OpenADR 3 VEN name (or a resource name within its VEN) that is taken; `details.name`. */
  OPENADR_NAME_TAKEN: 'OPENADR_NAME_TAKEN',
  /** An OpenADR 3 callbackUrl on a host outside GRIDLEDGER_OPENADR_CALLBACK_HOSTS; `details.host`. */
  OPENADR_CALLBACK_NOT_ALLOWED: 'OPENADR_CALLBACK_NOT_ALLOWED',
  /** An OpenADR 3 change the ledger's record forbids: an event changed or deleted, a report changed, a program with events deleted. */
  OPENADR_LEDGER_RECORD: 'OPENADR_LEDGER_RECORD',
  /** A trading agent's input (offer, weights, position, mandate, figures) out of shape or range (agents.md); `details.field`. */
  AGENT_INPUT_INVALID: 'AGENT_INPUT_INVALID',
  /** A peer-to-peer offer, request, acceptance or refusal not of the documented shape (docs/p2p.md); `details.field`. */
  P2P_INPUT_INVALID: 'P2P_INPUT_INVALID',
  /** No peer-to-peer offer of that id. */
  P2P_OFFER_NOT_FOUND: 'P2P_OFFER_NOT_FOUND',
  /** No request of that id on that offer (or none the caller may see). */
  P2P_REQUEST_NOT_FOUND: 'P2P_REQUEST_NOT_FOUND',
  /** The offer's expiry (at the latest its interval's gate closure) has passed: no more requests or acceptances. */
  P2P_OFFER_EXPIRED: 'P2P_OFFER_EXPIRED',
  /** A step the offer's or request's state does not allow (a cancelled or sold offer, a request already decided); `details.status`. */
  P2P_STATE_CONFLICT: 'P2P_STATE_CONFLICT',
  /** A request for less energy than the offer's minimum quantity. */
  P2P_BELOW_MINIMUM: 'P2P_BELOW_MINIMUM',
  /** More energy than the offer has left (a request beyond its energy, or acceptances beyond what is not yet sold). */
  P2P_QUANTITY_UNAVAILABLE: 'P2P_QUANTITY_UNAVAILABLE',
  /** An owner mandate not of the documented shape (docs/p2p.md, *Mandates*); `details.field`. */
  MANDATE_INVALID: 'MANDATE_INVALID',
  /** The participant has no mandate on the ledger. */
  MANDATE_NOT_FOUND: 'MANDATE_NOT_FOUND',
  /** The participant's agent identity (gl.agent) trades, and the owner's mandate is missing or has automation off. */
  MANDATE_AUTOMATION_OFF: 'MANDATE_AUTOMATION_OFF',
  /** A sale below the minimum sell price of the seller's mandate. */
  MANDATE_PRICE_BELOW_MINIMUM: 'MANDATE_PRICE_BELOW_MINIMUM',
  /** A purchase above the maximum buy price of the buyer's mandate. */
  MANDATE_PRICE_ABOVE_MAXIMUM: 'MANDATE_PRICE_ABOVE_MAXIMUM',
  /** More peer-to-peer energy in the interval than the mandate's maximum per interval. */
  MANDATE_ENERGY_EXCEEDED: 'MANDATE_ENERGY_EXCEEDED',
  /** A sale that would eat into the battery reserve the seller's mandate holds back from its capacity. */
  MANDATE_RESERVE_BREACHED: 'MANDATE_RESERVE_BREACHED',
  /** A seller with no asset of the buyer's mandate's preferred sources. */
  MANDATE_SOURCE_REFUSED: 'MANDATE_SOURCE_REFUSED',
  /** A seller outside the locality of the buyer's mandate (another zone). */
  MANDATE_LOCALITY_REFUSED: 'MANDATE_LOCALITY_REFUSED',
  /** A batch of meters whose batchId was used for other meters (or by another MSP); a retry with the same meters returns the stored
   * answer. `details.batchId`. */
  METER_BATCH_CONFLICT: 'METER_BATCH_CONFLICT',
  /** No agent speaks for the meter: its owner's mandate is missing, has automation off or names no agentId (docs/p2p.md). */
  AGENT_BINDING_NOT_FOUND: 'AGENT_BINDING_NOT_FOUND',
  /** An agent's key (gl.agent) on a route for the owner's key only (a household's or meter's MQTT credential); `details.participantId`. */
  OWNER_KEY_REQUIRED: 'OWNER_KEY_REQUIRED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export type ErrorDetails = Record<string, string | number | boolean>;

export class GridLedgerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'GridLedgerError';
  }

  /** The wire form shared by chaincode errors, HTTP error bodies and MQTT receipts. */
  toJSON(): { code: ErrorCode; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * A chaincode error reaches a Fabric client only as message text (inside the endorsement error's
 * details), never as an object. So a GridLedgerError crosses that boundary in one fixed envelope:
 * a readable prefix, then the marker and the base64url of its JSON wire form. The base64url
 * alphabet has no character that Fabric's wrapping ("chaincode response 500, ...") or a log line
 * could add, so the envelope is found intact wherever it is embedded.
 */
const ENVELOPE_MARKER = 'gridledger-error:';
const ENVELOPE = /gridledger-error:([A-Za-z0-9_-]+)/;

export function encodeErrorEnvelope(error: GridLedgerError): string {
  const payload = Buffer.from(JSON.stringify(error.toJSON()), 'utf8').toString('base64url');
  return `${error.code}: ${error.message} ${ENVELOPE_MARKER}${payload}`;
}

/** The GridLedgerError in a text that carries an envelope (a Fabric error's message or details), or undefined. */
export function decodeErrorEnvelope(text: string): GridLedgerError | undefined {
  const match = ENVELOPE.exec(text);
  if (!match) return undefined;
  try {
    const wire = JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    const { code, message, details } = wire;
    if (typeof code !== 'string' || !Object.values(ErrorCodes).includes(code as ErrorCode)) return undefined;
    if (typeof message !== 'string') return undefined;
    const safeDetails: ErrorDetails = {};
    if (typeof details === 'object' && details !== null && !Array.isArray(details)) {
      for (const [k, v] of Object.entries(details)) {
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') safeDetails[k] = v;
      }
    }
    return new GridLedgerError(code as ErrorCode, message, safeDetails);
  } catch {
    return undefined;
  }
}
