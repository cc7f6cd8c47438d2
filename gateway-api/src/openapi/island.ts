import { catalogue } from '@gridledger/core/catalogue';
import { LOAD_PRIORITIES, MAX_ISLAND_REASON, MAX_LOAD_PRIORITIES } from '@gridledger/core';
import { answer } from './answers';
import { id, instant } from './schemas';
import { common, err, p } from './grid';

/** OpenAPI paths and schemas of a community's island mode (routes/island.ts, docs/islanding.md). */
const { grid } = catalogue;

export const islandPaths = {
  '/communities/{communityId}/island-changes': {
    post: {
      operationId: 'changeIslandMode',
      description:
        "The utility only. The community's connection opened (`islanded`) or closed again (`connected`) from `since`, an interval " +
        'of the market whose gate has not closed. `alertId` names the CONNECTION_OPEN alert of telemetry the utility confirms ' +
        '(cause `telemetry`); `loadPriorities` the loads that are not `standard` (kept from the change before when absent).',
      parameters: [p('communityId')],
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/IslandChange' } } } },
      responses: {
        '201': answer(grid.changeIsland),
        '404': err('MARKET_NOT_FOUND'),
        '409': err('ISLAND_MODE_UNCHANGED'),
        '422': err('ISLAND_CHANGE_NOT_FUTURE'),
        ...common,
        '400': err('REQUEST_INVALID or ISLAND_INPUT_INVALID (details.field)'),
      },
    },
  },
  '/communities/{communityId}/island': {
    get: {
      operationId: 'getIslandMode',
      description: 'The mode in force at `at` (default now) and every change, oldest first: operator, utility and regulator.',
      parameters: [p('communityId'), { name: 'at', in: 'query', required: false, allowReserved: true, schema: instant }],
      responses: { '200': answer(grid.getIsland), ...common },
    },
  },
};

export const islandSchemas = {
  IslandChange: {
    type: 'object',
    additionalProperties: false,
    required: ['mode', 'since', 'reason'],
    properties: {
      mode: { type: 'string', enum: ['islanded', 'connected'] },
      since: instant,
      reason: { type: 'string', minLength: 1, maxLength: MAX_ISLAND_REASON },
      alertId: id,
      loadPriorities: {
        type: 'object',
        maxProperties: MAX_LOAD_PRIORITIES,
        additionalProperties: { type: 'string', enum: [...LOAD_PRIORITIES] },
      },
    },
  },
};
