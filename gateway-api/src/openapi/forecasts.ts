import type { OpenApiParts } from './metering';

/** OpenAPI paths and schemas of forecasts (routes/forecasts.ts, docs/forecasts.md). */
const int = { type: 'integer' };
const str = { type: 'string' };
const horizon = { type: 'string', enum: ['next', 'day'] };
const method = { type: 'string', enum: ['persistence', 'model', 'forest'] };

const ForecastInterval = {
  type: 'object',
  required: ['intervalStart', 'pvWh', 'loadWh', 'netWh'],
  properties: {
    intervalStart: str,
    pvWh: { ...int, minimum: 0, description: 'PV production, Wh' },
    loadWh: { ...int, minimum: 0, description: 'household load, Wh' },
    netWh: { ...int, description: 'loadWh − pvWh: + import, − export' },
  },
};
const Totals = {
  type: 'object',
  required: ['pvWh', 'loadWh', 'netWh'],
  properties: { pvWh: int, loadWh: int, netWh: int },
};
const common = {
  horizon,
  intervalSeconds: int,
  issuedAt: str,
  intervals: { type: 'array', items: ForecastInterval },
  totals: Totals,
};

export const forecastSchemas = {
  MeterForecast: {
    type: 'object',
    description: "A meter's forecast: the next interval or the next UTC day, from its last week of readings",
    required: [
      'meterId',
      'participantId',
      'communityId',
      'horizon',
      'intervalSeconds',
      'issuedAt',
      'methods',
      'readings',
      'intervals',
      'totals',
    ],
    properties: {
      meterId: str,
      participantId: str,
      communityId: str,
      methods: { type: 'object', required: ['pv', 'load'], properties: { pv: method, load: method } },
      readings: { ...int, description: 'readings the forecast was fitted on' },
      ...common,
    },
  },
  CommunityForecast: {
    type: 'object',
    description: "The sum of the community's meters' forecasts, interval by interval",
    required: ['communityId', 'horizon', 'intervalSeconds', 'issuedAt', 'meters', 'intervals', 'totals'],
    properties: { communityId: str, meters: int, ...common },
  },
};

export function forecastPaths(p: OpenApiParts): Record<string, object> {
  const { pathParam, errorResponse, common: commonResponses, json } = p;
  const horizonParam = {
    name: 'horizon',
    in: 'query',
    required: false,
    schema: horizon,
    description: 'next (default): the next interval; day: the next UTC day',
  };
  return {
    '/forecasts/meters/{meterId}': {
      get: {
        operationId: 'getMeterForecast',
        description:
          "A meter's forecast of PV, load and net flow from its own readings and the data set's weather and load profile: " +
          'for its household, the operator and the utility (not the regulator: it reads community sums).',
        parameters: [
          pathParam('meterId'),
          horizonParam,
          { name: 'method', in: 'query', required: false, schema: method, description: 'default: the better one (docs/forecasts.md)' },
        ],
        responses: {
          '200': json({ $ref: '#/components/schemas/MeterForecast' }),
          '404': errorResponse('METER_NOT_REGISTERED'),
          ...commonResponses,
        },
      },
    },
    '/communities/{communityId}/forecast': {
      get: {
        operationId: 'getCommunityForecast',
        description: "Operator, utility, regulator: the sum of the community's meters' forecasts (no meter's own figures).",
        parameters: [pathParam('communityId'), horizonParam],
        responses: { '200': json({ $ref: '#/components/schemas/CommunityForecast' }), ...commonResponses },
      },
    },
  };
}
