import { catalogue, type Transaction } from '@gridledger/core/catalogue';
import { CLEARING_METHODS, MARKET_PARAMS_FIELDS } from '@gridledger/core/market';
import { answer } from './answers';
import { id, instant } from './schemas';

/** OpenAPI paths and schemas of the market and credits routes (routes/market.ts). */
const micros = { type: 'integer', minimum: 1, maximum: 1_000_000_000_000_000 };
const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const { credits, market } = catalogue;
const common = {
  '400': err('REQUEST_INVALID or a validation code'),
  '401': err('UNAUTHENTICATED'),
  '403': err('ACCESS_DENIED'),
  '503': err('LEDGER_UNAVAILABLE'),
};
const body = (ref: string) => ({ required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const p = (name: string, schema: object = id) => ({ name, in: 'path', required: true, schema });
const paging = [
  { name: 'pageSize', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } },
  {
    name: 'bookmark',
    in: 'query',
    required: false,
    allowReserved: true,
    allowEmptyValue: true,
    description: 'from the previous page; empty or absent: the first page',
    schema: { type: 'string', maxLength: 1024 },
  },
];
const intervalParams = [p('communityId'), p('intervalStart', instant)];
const step = (operationId: string, tx: Transaction, description: string, codes: Record<string, object>, query: object[] = []) => ({
  post: { operationId, description, parameters: [...intervalParams, ...query], responses: { '200': answer(tx), ...codes, ...common } },
});
const settlementPageParam = {
  name: 'page',
  in: 'query',
  required: false,
  description: 'The page the caller means to settle (default: the next one); any other is refused.',
  schema: { type: 'integer', minimum: 0 },
};
const read = (operationId: string, tx: Transaction, parameters: object[], description = '') => ({
  get: { operationId, description, parameters, responses: { '200': answer(tx), '404': err('not found'), ...common } },
});

export const marketPaths = {
  '/credits/deposits': {
    post: {
      operationId: 'depositCredits',
      description: 'The utility (settlement bank) issues credits against a deposit. `reference` makes retries safe.',
      requestBody: body('CreditRequest'),
      responses: {
        '201': answer(credits.deposit, 'issued'),
        '404': err('PARTICIPANT_NOT_FOUND'),
        '409': err('CLIENT_ID_REUSED'),
        ...common,
      },
    },
  },
  '/credits/withdrawals': {
    post: {
      operationId: 'withdrawCredits',
      description: 'The utility redeems credits a participant withdraws.',
      requestBody: body('CreditRequest'),
      responses: {
        '201': answer(credits.withdraw, 'redeemed'),
        '404': err('PARTICIPANT_NOT_FOUND'),
        '409': err('CLIENT_ID_REUSED'),
        '422': err('INSUFFICIENT_CREDITS'),
        ...common,
      },
    },
  },
  '/credits/transfers': {
    post: {
      operationId: 'transferCredits',
      description: 'A prosumer or consumer pays another participant.',
      requestBody: body('Transfer'),
      responses: {
        '201': answer(credits.transfer, 'transferred'),
        '404': err('PARTICIPANT_NOT_FOUND'),
        '409': err('CLIENT_ID_REUSED'),
        '422': err('INSUFFICIENT_CREDITS'),
        ...common,
      },
    },
  },
  '/credits/supply': read('getSupply', credits.getSupply, [], "Deposits, withdrawals, supply and the utility's account, summed exactly."),
  '/credits/{participantId}': read('getAccount', credits.getAccount, [p('participantId')], 'Available and escrowed credits.'),
  '/credits/{participantId}/statement': read(
    'getStatement',
    credits.getStatement,
    [p('participantId'), ...paging],
    'Statement lines in commit order, numbered from 1 (`number`); `bookmark` continues.',
  ),
  '/markets/{communityId}/params': {
    ...read(
      'getMarketParams',
      market.getParams,
      [p('communityId'), { name: 'at', in: 'query', required: false, allowReserved: true, schema: instant }],
      'The parameters in force (at `at`, default now) and every change.',
    ),
    patch: {
      operationId: 'setMarketParams',
      description: 'Operator only. The first record applies at once, later changes from the first interval beyond the opening horizon.',
      parameters: [p('communityId')],
      requestBody: body('MarketParamsChange'),
      responses: { '200': answer(market.setParams), ...common },
    },
  },
  '/orders': {
    post: {
      operationId: 'placeOrder',
      description:
        'A buy escrows energy × (price + grid fee). A retry with the same clientOrderId and body returns the same order with 200.',
      requestBody: body('NewOrder'),
      responses: {
        '201': answer(market.placeOrder, 'placed'),
        '200': answer(market.placeOrder, 'the same order, placed before'),
        '404': err('MARKET_NOT_FOUND'),
        '409': err('INTERVAL_CLOSED, CLIENT_ID_REUSED, ORDER_SIDE_CONFLICT'),
        '422': err('ORDER_PRICE_OUT_OF_BAND, INSUFFICIENT_CREDITS, SELLER_CAPACITY_EXCEEDED, INTERVAL_NOT_OPEN'),
        ...common,
      },
    },
  },
  '/orders/batch': {
    post: {
      operationId: 'placeOrders',
      description:
        'Up to 100 orders of the caller in one transaction, each validated as POST /orders validates it, in the order given. All or ' +
        'nothing: the first order refused refuses the batch with its code and details.index. Each order is idempotent on its ' +
        'clientOrderId (replayed: true); 200 when every order was placed before.',
      requestBody: body('NewOrderBatch'),
      responses: {
        '201': answer(market.placeOrders, 'placed'),
        '200': answer(market.placeOrders, 'every order placed before'),
        '404': err('MARKET_NOT_FOUND'),
        '409': err('INTERVAL_CLOSED, CLIENT_ID_REUSED, ORDER_SIDE_CONFLICT'),
        '422': err('ORDER_PRICE_OUT_OF_BAND, INSUFFICIENT_CREDITS, SELLER_CAPACITY_EXCEEDED, INTERVAL_NOT_OPEN'),
        ...common,
      },
    },
  },
  '/orders/{orderId}': {
    ...read('getOrder', market.getOrder, [p('orderId')]),
    delete: {
      operationId: 'cancelOrder',
      description: 'The owner cancels before gate closure; escrow is released.',
      parameters: [p('orderId')],
      responses: {
        '200': answer(market.cancelOrder, 'cancelled'),
        '404': err('ORDER_NOT_FOUND'),
        '409': err('INTERVAL_CLOSED'),
        ...common,
      },
    },
  },
  '/participants/{participantId}/orders': read(
    'listOrders',
    market.listOrders,
    [p('participantId'), ...paging],
    "The participant's orders by interval.",
  ),
  '/markets/{communityId}/intervals/{intervalStart}': read(
    'getInterval',
    market.getInterval,
    intervalParams,
    'closed/clearing/cleared/settling/settled (clearing, settlement: pageCount, pagesDone), or not-open/open/gate-closed before closing.',
  ),
  '/markets/{communityId}/intervals/{intervalStart}/close': step(
    'closeInterval',
    market.closeInterval,
    'Operator; once the gate has passed; only once.',
    { '404': err('MARKET_NOT_FOUND'), '409': err('INTERVAL_STATE_CONFLICT') },
  ),
  '/markets/{communityId}/intervals/{intervalStart}/clear': step(
    'clearInterval',
    market.clearInterval,
    'Operator; a closed interval. Clears the next page (status clearing until the last page, then cleared); each page once.',
    { '409': err('INTERVAL_STATE_CONFLICT') },
    [{ ...settlementPageParam, description: 'The page the caller means to clear (default: the next one); any other is refused.' }],
  ),
  '/markets/{communityId}/intervals/{intervalStart}/settle': step(
    'settleInterval',
    market.settleInterval,
    'Operator; after delivery. Settles the next page (status settling until the last page, then settled); each page once.',
    { '409': err('INTERVAL_STATE_CONFLICT or SETTLEMENT_METERING_INCOMPLETE') },
    [settlementPageParam],
  ),
  '/markets/{communityId}/intervals/{intervalStart}/corrections/{participantId}': {
    post: {
      operationId: 'correctSettlement',
      parameters: [...intervalParams, p('participantId')],
      responses: {
        '200': answer(market.correctSettlement),
        '404': err('INTERVAL_NOT_FOUND'),
        '409': err('INTERVAL_STATE_CONFLICT or SETTLEMENT_METERING_INCOMPLETE'),
        ...common,
      },
    },
  },
  '/markets/{communityId}/intervals/{intervalStart}/curves': read(
    'getCurves',
    market.getCurves,
    intervalParams,
    'Aggregated, anonymous bid and ask curves of the open orders.',
  ),
  '/markets/{communityId}/intervals/{intervalStart}/clearing': read(
    'getClearing',
    market.getClearing,
    intervalParams,
    'The recomputable clearing record: all fills and trades for the operator, the utility and the regulator, its own for a household.',
  ),
  '/markets/{communityId}/intervals/{intervalStart}/orders': read(
    'getClearingOrders',
    market.getClearingOrders,
    intervalParams,
    'The orders of a closed interval, as the clearing takes them.',
  ),
  '/markets/{communityId}/intervals/{intervalStart}/settlement': read(
    'getSettlement',
    market.getSettlement,
    intervalParams,
    'Settlement record, participants and postings.',
  ),
  '/markets/{communityId}/results': read(
    'listResults',
    market.listResults,
    [
      p('communityId'),
      ...paging,
      {
        name: 'order',
        in: 'query',
        required: false,
        description: '`asc` (the default): oldest first; `desc`: newest first (at most 500 a page)',
        schema: { type: 'string', enum: ['asc', 'desc'] },
      },
    ],
    'Clearing summaries, oldest first, or newest first with `order=desc`.',
  ),
};

export const marketSchemas = {
  CreditRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['participantId', 'amountMicros', 'reference'],
    properties: { participantId: id, amountMicros: micros, reference: id },
  },
  Transfer: {
    type: 'object',
    additionalProperties: false,
    required: ['toParticipantId', 'amountMicros', 'reference'],
    properties: { toParticipantId: id, amountMicros: micros, reference: id },
  },
  NewOrderBatch: {
    type: 'object',
    additionalProperties: false,
    required: ['orders'],
    properties: { orders: { type: 'array', minItems: 1, maxItems: 100, items: { $ref: '#/components/schemas/NewOrder' } } },
  },
  NewOrder: {
    type: 'object',
    additionalProperties: false,
    required: ['clientOrderId', 'communityId', 'intervalStart', 'side', 'energyWh', 'priceMicrosPerKwh'],
    properties: {
      clientOrderId: id,
      communityId: id,
      intervalStart: instant,
      side: { type: 'string', enum: ['buy', 'sell'] },
      energyWh: { type: 'integer' },
      priceMicrosPerKwh: { type: 'integer' },
    },
  },
  MarketParamsChange: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: Object.fromEntries(
      MARKET_PARAMS_FIELDS.filter((k) => k !== 'communityId').map((k) => [
        k,
        k === 'clearingMethod' ? { type: 'string', enum: [...CLEARING_METHODS] } : { type: 'integer' },
      ]),
    ),
  },
};
