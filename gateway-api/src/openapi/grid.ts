import { catalogue } from '@gridledger/core/catalogue';
import { MAX_GRID_ZONES } from '@gridledger/core';
import { answer } from './answers';
import { id, instant } from './schemas';

/** OpenAPI paths and schemas of the grid model and a clearing's zones (routes/grid.ts). */
export const err = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const { grid, market } = catalogue;
export const common = {
  '400': err('REQUEST_INVALID or INTERVAL_INVALID'),
  '401': err('UNAUTHENTICATED'),
  '403': err('ACCESS_DENIED'),
  '503': err('LEDGER_UNAVAILABLE'),
};
export const p = (name: string, schema: object = id) => ({ name, in: 'path', required: true, schema });

export const gridPaths = {
  '/communities/{communityId}/grid': {
    put: {
      operationId: 'setGridModel',
      description:
        'The utility only. A new version of the community grid model (zones under the connection point, feeder limits in W, loss in ' +
        'ppm) in force from `effectiveFrom`: an interval of the market whose gate has not closed, never a past one.',
      parameters: [p('communityId')],
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/GridModelChange' } } } },
      responses: {
        '200': answer(grid.setModel),
        '404': err('MARKET_NOT_FOUND'),
        ...common,
        '400': err('REQUEST_INVALID or GRID_MODEL_INVALID (details.field)'),
      },
    },
    get: {
      operationId: 'getGridModel',
      description: 'The version in force at `at` (default now): anyone authenticated.',
      parameters: [p('communityId'), { name: 'at', in: 'query', required: false, allowReserved: true, schema: instant }],
      responses: { '200': answer(grid.getModel), '404': err('GRID_MODEL_NOT_FOUND'), ...common },
    },
  },
  '/communities/{communityId}/grid/versions': {
    get: {
      operationId: 'listGridModelVersions',
      description: 'Every change of the grid model, oldest first, with its author and time: operator, utility and regulator.',
      parameters: [p('communityId')],
      responses: { '200': answer(grid.listVersions), ...common },
    },
  },
  '/markets/{communityId}/intervals/{intervalStart}/zones': {
    get: {
      operationId: 'getClearingZones',
      description:
        "The clearing's method, each zone's price and each feeder's flow, binding limit, losses and congestion rent: " +
        'aggregates, for anyone authenticated. A uniform clearing answers its one price and no feeders.',
      parameters: [p('communityId'), p('intervalStart', instant)],
      responses: { '200': answer(market.getClearingZones), '404': err('INTERVAL_NOT_FOUND (not cleared)'), ...common },
    },
  },
  '/communities/{communityId}/intervals/{intervalStart}/zones': {
    get: {
      operationId: 'getIntervalZones',
      description:
        'The operator view of one interval over every zone of the grid model in force: its feeder ratings, the price the clearing ' +
        "gave it, its feeder's cleared flow, binding limit, losses and congestion rent, and what telemetry measured in it (null " +
        'before the clearing or the aggregate); with the mode the interval settles in and the Wh shed. Operator, utility, regulator.',
      parameters: [p('communityId'), p('intervalStart', instant)],
      responses: { '200': answer(grid.getIntervalZones), ...common },
    },
  },
};

const watts = { type: 'integer', minimum: 0, maximum: 1e12 };

export const gridSchemas = {
  GridModelChange: {
    type: 'object',
    additionalProperties: false,
    required: ['zones', 'effectiveFrom'],
    properties: {
      effectiveFrom: instant,
      zones: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_GRID_ZONES,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['zoneId', 'parentZoneId', 'exportLimitW', 'importLimitW', 'lossPpm'],
          properties: {
            zoneId: id,
            parentZoneId: { ...id, nullable: true },
            exportLimitW: watts,
            importLimitW: watts,
            lossPpm: { type: 'integer', minimum: 0, maximum: 999_999 },
          },
        },
      },
    },
  },
};
