import { catalogue, type Transaction } from '@gridledger/core/catalogue';
import { ASSET_SOURCES } from '@gridledger/core/metering';
import { AGENT_ID_RULE, MANDATE_FIELDS, MANDATE_LOCALITIES, REFUSAL_REASONS } from '@gridledger/core/p2p';
import { answer } from './answers';
import { id, instant } from './schemas';

const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const body = (name: string) => ({ required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } });
const { p2p } = catalogue;
const common = {
  '400': err('REQUEST_INVALID or P2P_INPUT_INVALID'),
  '401': err('UNAUTHENTICATED'),
  '403': err('ACCESS_DENIED, MANDATE_AUTOMATION_OFF'),
  '503': err('LEDGER_UNAVAILABLE'),
};
const MANDATE_CODES =
  'MANDATE_PRICE_BELOW_MINIMUM, MANDATE_PRICE_ABOVE_MAXIMUM, MANDATE_ENERGY_EXCEEDED, MANDATE_RESERVE_BREACHED, ' +
  'MANDATE_SOURCE_REFUSED, MANDATE_LOCALITY_REFUSED';
const p = (name: string) => ({ name, in: 'path', required: true, schema: id });
const q = (name: string, schema: object) => ({ name, in: 'query', required: true, schema });
const sellerStep = (operationId: string, tx: Transaction, schema: string, description: string, codes409: string, codes422 = '') => ({
  post: {
    operationId,
    description,
    parameters: [p('offerId')],
    requestBody: body(schema),
    responses: {
      '200': answer(tx),
      '404': err('P2P_OFFER_NOT_FOUND, P2P_REQUEST_NOT_FOUND'),
      '409': err(codes409),
      ...(codes422 !== '' ? { '422': err(codes422) } : {}),
      ...common,
    },
  },
});

export const p2pPaths = {
  '/p2p/offers': {
    post: {
      operationId: 'createOffer',
      description:
        'A seller offers energy of one market interval from its own meter, at a fixed price inside [feed-in, retail], within its ' +
        'capacity and mandate; expiresAt defaults to the gate closure. A retry with the same clientOfferId returns it (200).',
      requestBody: body('NewP2pOffer'),
      responses: {
        '201': answer(p2p.createOffer, 'offered'),
        '200': answer(p2p.createOffer, 'the same offer, made before'),
        '404': err('MARKET_NOT_FOUND, METER_NOT_REGISTERED'),
        '409': err('CLIENT_ID_REUSED, INTERVAL_CLOSED'),
        '422': err(`ORDER_PRICE_OUT_OF_BAND, SELLER_CAPACITY_EXCEEDED, INTERVAL_NOT_OPEN, ${MANDATE_CODES}`),
        ...common,
      },
    },
    get: {
      operationId: 'listOffers',
      description: "The offers of a community's interval, each with its phase (open, expired, cancelled, sold).",
      parameters: [q('communityId', id), q('intervalStart', instant)],
      responses: { '200': answer(p2p.listOffers), '404': err('MARKET_NOT_FOUND'), ...common },
    },
  },
  '/p2p/offers/{offerId}': {
    get: {
      operationId: 'getOffer',
      parameters: [p('offerId')],
      responses: { '200': answer(p2p.getOffer), '404': err('P2P_OFFER_NOT_FOUND'), ...common },
    },
    delete: {
      operationId: 'cancelOffer',
      description: 'The seller cancels its offer: no more requests or acceptances; trades accepted before stand.',
      parameters: [p('offerId')],
      responses: { '200': answer(p2p.cancelOffer), '404': err('P2P_OFFER_NOT_FOUND'), ...common },
    },
  },
  '/p2p/offers/{offerId}/requests': {
    post: {
      operationId: 'requestOffer',
      description:
        'A buyer requests part of an open offer (at least its minimum), within its mandate. Each request is a key of its own: many ' +
        'buyers request one offer at once without conflicts. A retry with the same clientRequestId returns it (200).',
      parameters: [p('offerId')],
      requestBody: body('NewP2pRequest'),
      responses: {
        '201': answer(p2p.requestOffer, 'requested'),
        '200': answer(p2p.requestOffer, 'the same request, made before'),
        '404': err('P2P_OFFER_NOT_FOUND'),
        '409': err('CLIENT_ID_REUSED, P2P_OFFER_EXPIRED, P2P_STATE_CONFLICT, P2P_QUANTITY_UNAVAILABLE'),
        '422': err(`P2P_BELOW_MINIMUM, ${MANDATE_CODES}`),
        ...common,
      },
    },
    get: {
      operationId: 'listRequests',
      description: "An offer's requests: all for its seller (and the operator, utility and regulator), a buyer's own for a buyer.",
      parameters: [p('offerId')],
      responses: { '200': answer(p2p.listRequests), '404': err('P2P_OFFER_NOT_FOUND'), ...common },
    },
  },
  '/p2p/offers/{offerId}/requests/{requestId}': {
    delete: {
      operationId: 'withdrawRequest',
      description: 'The buyer withdraws its pending request.',
      parameters: [p('offerId'), p('requestId')],
      responses: {
        '200': answer(p2p.withdrawRequest),
        '404': err('P2P_OFFER_NOT_FOUND, P2P_REQUEST_NOT_FOUND'),
        '409': err('P2P_STATE_CONFLICT'),
        ...common,
      },
    },
  },
  '/p2p/offers/{offerId}/acceptances': sellerStep(
    'acceptRequests',
    p2p.acceptRequests,
    'P2pAcceptance',
    'The seller accepts up to 100 pending requests in one transaction, all or nothing (the first refused names details.index): ' +
      "each buyer's payment escrowed, the seller's capacity and both mandates checked, each trade recorded as a contracted " +
      'position of the interval. A retry of requests all accepted before returns them (replayed).',
    'P2P_OFFER_EXPIRED, P2P_STATE_CONFLICT, P2P_QUANTITY_UNAVAILABLE, INTERVAL_CLOSED',
    `INSUFFICIENT_CREDITS, SELLER_CAPACITY_EXCEEDED, ${MANDATE_CODES}`,
  ),
  '/p2p/offers/{offerId}/refusals': sellerStep(
    'refuseRequests',
    p2p.refuseRequests,
    'P2pRefusal',
    'The seller refuses pending requests with a reason.',
    'P2P_STATE_CONFLICT',
  ),
  '/p2p/mandates/{participantId}': {
    put: {
      operationId: 'setMandate',
      description: "The owner's limits for its trading agent, set by the owner's own identity (not an agent's, gl.agent).",
      parameters: [p('participantId')],
      requestBody: body('Mandate'),
      responses: { ...common, '200': answer(p2p.setMandate), '400': err('REQUEST_INVALID or MANDATE_INVALID') },
    },
    get: {
      operationId: 'getMandate',
      parameters: [p('participantId')],
      responses: { '200': answer(p2p.getMandate), '404': err('MANDATE_NOT_FOUND'), ...common },
    },
  },
  '/p2p/meters/{meterId}/agent': {
    get: {
      operationId: 'getMeterAgent',
      description:
        "The agent that speaks for a meter: the agentId (libp2p peer id) of its owner's mandate, while automation is on. A buyer's " +
        "agent reads it before it trusts a DHT record signed by that peer. Any participant of the meter's community.",
      parameters: [p('meterId')],
      responses: { '200': answer(p2p.getMeterAgent), '404': err('METER_NOT_REGISTERED, AGENT_BINDING_NOT_FOUND'), ...common },
    },
  },
};

const integer = { type: 'integer' };
const nullableInteger = { type: 'integer', nullable: true };
const requestIds = { type: 'array', minItems: 1, maxItems: 100, items: id };
export const p2pSchemas = {
  NewP2pOffer: {
    type: 'object',
    additionalProperties: false,
    required: ['clientOfferId', 'communityId', 'meterId', 'intervalStart', 'energyWh', 'priceMicrosPerKwh'],
    properties: {
      clientOfferId: id,
      communityId: id,
      meterId: id,
      intervalStart: instant,
      energyWh: integer,
      minEnergyWh: integer,
      priceMicrosPerKwh: integer,
      expiresAt: instant,
    },
  },
  NewP2pRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['clientRequestId', 'energyWh'],
    properties: { clientRequestId: id, energyWh: integer },
  },
  P2pAcceptance: { type: 'object', additionalProperties: false, required: ['requestIds'], properties: { requestIds } },
  P2pRefusal: {
    type: 'object',
    additionalProperties: false,
    required: ['requestIds', 'reason'],
    properties: { requestIds, reason: { type: 'string', enum: [...REFUSAL_REASONS] } },
  },
  Mandate: {
    type: 'object',
    additionalProperties: false,
    required: [...MANDATE_FIELDS],
    properties: {
      minSellPriceMicrosPerKwh: nullableInteger,
      maxBuyPriceMicrosPerKwh: nullableInteger,
      maxEnergyWhPerInterval: nullableInteger,
      batteryReserveWh: integer,
      preferredSources: { type: 'array', items: { type: 'string', enum: [...ASSET_SOURCES] } },
      locality: { type: 'string', enum: [...MANDATE_LOCALITIES] },
      automation: { type: 'boolean' },
      // No pattern here: the chaincode checks the form whole (isAgentId) and answers MANDATE_INVALID with details.field.
      agentId: { type: 'string', description: `optional: ${AGENT_ID_RULE}` },
    },
  },
};
