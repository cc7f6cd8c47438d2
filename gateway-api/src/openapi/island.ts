import { catalogue } from '@gridledger/core/catalogue';
import { LOAD_PRIORITIES, MAX_ISLAND_REASON, MAX_LOAD_PRIORITIES, MAX_SHED_W, MAX_SHEDDING_REASON } from '@gridledger/core';
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
        "The utility only. The community's connection opened (`islanded`) from `since`, at the earliest the interval in delivery, " +
        'or closed again (`connected`) from an interval of the market whose gate has not closed. `alertId` names the ' +
        'CONNECTION_OPEN alert of telemetry the utility confirms ' +
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
  '/communities/{communityId}/load-sheddings': {
    post: {
      operationId: 'orderLoadShedding',
      description:
        'The utility only. Shed `shedW` in the zone `zoneId` and every zone below it (null or absent: the whole community) in ' +
        'every market interval of [from, to), 1 to 96 intervals none of which is cleared: each clearing records whom it sheds, ' +
        'lowest priority class first (critical loads last); settlement takes the shed energy a household bought back at its price.',
      parameters: [p('communityId')],
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/LoadShedding' } } } },
      responses: {
        '201': answer(grid.orderShedding),
        '404': err('MARKET_NOT_FOUND'),
        '409': err('SHEDDING_INTERVAL_CLEARED (details.intervalStart)'),
        '422': err('ZONE_UNKNOWN'),
        ...common,
        '400': err('REQUEST_INVALID or SHEDDING_INPUT_INVALID (details.field)'),
      },
    },
    get: {
      operationId: 'listLoadSheddings',
      description: 'Every load-shedding order, oldest first, with its author and time: operator, utility and regulator.',
      parameters: [p('communityId')],
      responses: { '200': answer(grid.listSheddings), ...common },
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
  LoadShedding: {
    type: 'object',
    additionalProperties: false,
    required: ['from', 'to', 'shedW', 'reason'],
    properties: {
      zoneId: { ...id, nullable: true },
      from: instant,
      to: instant,
      shedW: { type: 'integer', minimum: 1, maximum: MAX_SHED_W },
      reason: { type: 'string', minLength: 1, maxLength: MAX_SHEDDING_REASON },
      loadPriorities: {
        type: 'object',
        maxProperties: MAX_LOAD_PRIORITIES,
        additionalProperties: { type: 'string', enum: [...LOAD_PRIORITIES] },
      },
    },
  },
};
