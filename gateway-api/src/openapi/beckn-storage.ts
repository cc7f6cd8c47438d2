/** The BAP's REST API in the OpenAPI document (docs/beckn.md, "The BAP's REST API"). */
import { id, instant } from './schemas';

const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const common = {
  '400': err('REQUEST_INVALID'),
  '401': err('UNAUTHENTICATED'),
  '404': err(
    'ROUTE_NOT_FOUND: this gateway is not a Beckn BAP; BECKN_TRANSACTION_UNKNOWN (details.field: transactionId, an unknown or ' +
      "another caller's transaction; bppId, a BPP not met in it)",
  ),
};
const uuid = { type: 'string', format: 'uuid' };
const int = { type: 'integer', minimum: 0 };
const body = (ref: string) => ({ required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const sent = (description: string) => ({
  description,
  content: {
    'application/json': {
      schema: { type: 'object', required: ['messageId'], properties: { messageId: uuid } },
    },
  },
});
const transaction = { name: 'transactionId', in: 'path', required: true, schema: uuid };
const step = (operationId: string, description: string, ref: string) => ({
  post: { operationId, description, parameters: [transaction], requestBody: body(ref), responses: { '202': sent('sent'), ...common } },
});

export const becknStoragePaths = {
  '/beckn/storage/searches': {
    post: {
      operationId: 'becknSearchStorage',
      description:
        'Sends a signed Beckn search for battery storage to every BPP the registry lists; the offers arrive in on_search and are ' +
        'read with GET /beckn/storage/transactions/{transactionId}.',
      requestBody: body('BecknStorageSearch'),
      responses: {
        '202': {
          description: 'sent',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['transactionId', 'messageIds'],
                properties: { transactionId: uuid, messageIds: { type: 'array', items: uuid } },
              },
            },
          },
        },
        ...common,
      },
    },
  },
  '/beckn/storage/transactions/{transactionId}': {
    get: {
      operationId: 'becknStorageTransaction',
      description:
        'A Beckn transaction of the caller: the offers of its on_search callbacks (cheapest stored price first), every callback ' +
        'received (with its error, if any, and whether the BPP sent it unasked), and the latest order.',
      parameters: [transaction],
      responses: {
        '200': {
          description: 'OK',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['transactionId', 'offers', 'callbacks'],
                properties: {
                  transactionId: uuid,
                  offers: { type: 'array', items: { type: 'object' } },
                  callbacks: { type: 'array', items: { type: 'object' } },
                  order: { type: 'object' },
                },
              },
            },
          },
        },
        ...common,
      },
    },
  },
  '/beckn/storage/transactions/{transactionId}/quotes': step(
    'becknQuoteStorage',
    'Sends select: the BPP answers on_select with the quote.',
    'BecknStorageOrder',
  ),
  '/beckn/storage/transactions/{transactionId}/contracts': {
    post: {
      ...step(
        'becknConfirmStorage',
        'Sends confirm for buyerId (a household for itself, an operator or utility for any participant): the BPP confirms a storage ' +
          "contract on the ledger with the buyer's credits in escrow and answers on_confirm.",
        'BecknStorageOrder',
      ).post,
      responses: { '202': sent('sent'), '403': err('ACCESS_DENIED'), ...common },
    },
  },
  '/beckn/storage/transactions/{transactionId}/status': step(
    'becknStorageStatus',
    'Sends status: on_status carries the contract.',
    'BecknOrderRef',
  ),
  '/beckn/storage/transactions/{transactionId}/cancellation': step(
    'becknCancelStorage',
    'Sends cancel: on_cancel carries the cancelled contract and its refund.',
    'BecknOrderRef',
  ),
};

export const becknStorageSchemas = {
  BecknStorageSearch: {
    type: 'object',
    additionalProperties: false,
    properties: {
      latitudeMicro: { type: 'integer' },
      longitudeMicro: { type: 'integer' },
      radiusM: int,
      minFreeWh: int,
      maxStoredPriceMicrosPerKwh: int,
      from: instant,
      to: instant,
    },
  },
  BecknStorageOrder: {
    type: 'object',
    additionalProperties: false,
    required: ['bppId', 'batteryId', 'reservedWh', 'from', 'to'],
    properties: {
      bppId: { type: 'string' },
      batteryId: id,
      reservedWh: { type: 'integer', minimum: 1 },
      from: instant,
      to: instant,
      buyerId: id,
    },
  },
  BecknOrderRef: {
    type: 'object',
    additionalProperties: false,
    required: ['bppId', 'orderId'],
    properties: { bppId: { type: 'string' }, orderId: id },
  },
};
