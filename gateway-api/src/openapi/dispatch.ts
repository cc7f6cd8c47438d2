import { catalogue } from '@gridledger/core/catalogue';
import {
  DISPATCH_STATUSES,
  MAX_ACK_TIMEOUT_SECONDS,
  MAX_DISPATCH_PRICE_MICROS_PER_KWH,
  MAX_DISPATCH_SECONDS,
  MAX_READINGS_WAIT_SECONDS,
} from '@gridledger/core/dispatch';
import { answer, answerSchema } from './answers';
import { paging } from './lists';
import type { OpenApiParts } from './metering';

/** OpenAPI paths and schemas of dispatch and EV smart charging (routes/dispatch.ts, docs/dispatch.md). */
const { dispatch } = catalogue;
const int = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum });
const query = (name: string, schema: object, description: string) => ({ name, in: 'query', required: false, description, schema });

export function dispatchSchemas(p: OpenApiParts) {
  return {
    FlexResourceRegistration: {
      type: 'object',
      additionalProperties: false,
      description: "A battery or EV charger behind one of the caller's meters, with the limits its owner allows (Wh, W).",
      required: ['resourceId', 'communityId', 'kind', 'meterId', 'maxPowerW', 'capacityWh', 'minSocWh', 'socWh'],
      properties: {
        resourceId: p.id,
        communityId: p.id,
        kind: { type: 'string', enum: ['battery', 'ev'] },
        meterId: p.id,
        maxPowerW: int(1, 10_000_000),
        capacityWh: int(1, 100_000_000),
        minSocWh: int(0, 100_000_000),
        socWh: int(0, 100_000_000),
        departureAt: { ...p.instant, nullable: true },
        targetWh: { ...int(0, 100_000_000), nullable: true },
      },
    },
    DispatchRequest: {
      type: 'object',
      additionalProperties: false,
      description: 'A setpoint: change the power by powerW (+ more export, − more import) from startAt for durationSeconds.',
      required: ['dispatchId', 'resourceId', 'powerW', 'startAt', 'durationSeconds', 'priceMicrosPerKwh'],
      properties: {
        dispatchId: p.id,
        resourceId: p.id,
        powerW: int(-10_000_000, 10_000_000),
        startAt: p.instant,
        durationSeconds: int(1, MAX_DISPATCH_SECONDS),
        priceMicrosPerKwh: int(0, MAX_DISPATCH_PRICE_MICROS_PER_KWH),
        ackTimeoutSeconds: int(1, MAX_ACK_TIMEOUT_SECONDS),
        readingsWaitSeconds: {
          ...int(0, MAX_READINGS_WAIT_SECONDS),
          description:
            "how long after the setpoint's end settlement waits for the meter's readings before it settles from telemetry alone " +
            '(default 1,800)',
        },
        replaces: { ...p.id, nullable: true },
      },
    },
    ChargingRequest: {
      type: 'object',
      additionalProperties: false,
      required: ['energyWh'],
      properties: {
        arrivalAt: { ...p.instant, description: 'default: now' },
        departureAt: { ...p.instant, description: "default: the EV's registered departure" },
        energyWh: int(0, 100_000_000),
      },
    },
    ChargingSchedule: {
      type: 'object',
      required: ['resourceId', 'session', 'headroomW', 'feasible', 'energyWh', 'shortfallWh', 'costMicros', 'slots'],
      properties: {
        resourceId: { type: 'string' },
        session: {
          type: 'object',
          required: ['arrivalAt', 'departureAt', 'energyWh', 'maxPowerW'],
          properties: {
            arrivalAt: { type: 'string' },
            departureAt: { type: 'string' },
            energyWh: { type: 'integer' },
            maxPowerW: { type: 'integer' },
          },
        },
        headroomW: { type: 'integer' },
        feasible: { type: 'boolean' },
        energyWh: { type: 'integer' },
        shortfallWh: { type: 'integer' },
        costMicros: { type: 'integer' },
        slots: {
          type: 'array',
          items: {
            type: 'object',
            required: ['intervalStart', 'energyWh', 'powerW', 'priceMicrosPerKwh'],
            properties: {
              intervalStart: { type: 'string' },
              energyWh: { type: 'integer' },
              powerW: { type: 'integer' },
              priceMicrosPerKwh: { type: 'integer' },
            },
          },
        },
      },
    },
  };
}

export function dispatchPaths(p: OpenApiParts) {
  const { pathParam, errorResponse, common, json, body } = p;
  const registered = answerSchema(dispatch.registerResource) as { properties: object; required: string[] };
  const credential = { $ref: '#/components/schemas/MqttCredential' };
  return {
    '/resources': {
      get: {
        operationId: 'listOwnFlexResources',
        description:
          'Flexible resources by id. A household its own (ownerId is itself); the operator, the utility and the regulator name a ' +
          'communityId, an ownerId, or both.',
        parameters: [
          query('communityId', p.id, 'the community (the grid roles: required without ownerId)'),
          query('ownerId', p.id, 'the owner (a household: itself, the default)'),
          ...paging,
        ],
        responses: { '200': answer(dispatch.listResourcesBy), ...common },
      },
      post: {
        operationId: 'registerFlexResource',
        description:
          'A household registers its battery or EV charger behind one of its own meters, with the limits it allows, or changes them ' +
          "(registering the same id again). The answer carries the device's broker credential (its commands and acks topics) once.",
        requestBody: body('FlexResourceRegistration'),
        responses: {
          '201': json(
            {
              ...registered,
              properties: {
                ...registered.properties,
                mqtt: credential,
                mqttError: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
              },
            },
            'registered (or its limits changed)',
          ),
          '404': errorResponse('METER_NOT_REGISTERED'),
          '409': errorResponse('METER_INACTIVE'),
          ...common,
          '400': errorResponse('REQUEST_INVALID or RESOURCE_INVALID (details.field)'),
        },
      },
    },
    '/dispatches': {
      get: {
        operationId: 'listDispatches',
        description:
          "Dispatches newest first (by request time). A household its own (ownerId is itself; ACCESS_DENIED for another's, or another's " +
          'resource); the operator, the utility and the regulator name a communityId, an ownerId or a resourceId. Filtered by status: ' +
          'a page reads at most 500 index entries, so a filtered page may hold fewer than pageSize with a bookmark still to follow.',
        parameters: [
          query('communityId', p.id, 'the community (the grid roles: required without ownerId or resourceId)'),
          query('ownerId', p.id, "the resources' owner (a household: itself, the default)"),
          query('resourceId', p.id, 'one resource'),
          query('status', { type: 'string', enum: [...DISPATCH_STATUSES] }, 'the current status'),
          ...paging,
        ],
        responses: { '200': answer(dispatch.listDispatches), '404': errorResponse('RESOURCE_NOT_FOUND'), ...common },
      },
    },
    '/resources/{resourceId}': {
      get: {
        operationId: 'getFlexResource',
        description: 'A flexible resource: its owner, the operator, the utility, the regulator.',
        parameters: [pathParam('resourceId')],
        responses: { '200': answer(dispatch.getResource), '404': errorResponse('RESOURCE_NOT_FOUND'), ...common },
      },
    },
    '/resources/{resourceId}/mqtt-credential': {
      post: {
        operationId: 'issueDeviceMqttCredential',
        description: 'Its owner. A new broker credential for the device (read its commands, publish its acks); the old one stops working.',
        parameters: [pathParam('resourceId')],
        responses: {
          '201': json(credential, 'a new credential'),
          '404': errorResponse('RESOURCE_NOT_FOUND'),
          ...common,
          '503': errorResponse('BROKER_UNAVAILABLE'),
        },
      },
    },
    '/resources/{resourceId}/charging-schedule': {
      post: {
        operationId: 'scheduleEvCharging',
        description:
          "Its owner. The cheapest schedule for an EV's charging session: the energy placed in the cheapest market intervals between " +
          "arrival and departure, never above the charger's power or the feeder's headroom; each interval's price is the clearing " +
          "price of the same interval a day before (the zone's, when zonal), else the retail price. Nothing is recorded.",
        parameters: [pathParam('resourceId')],
        requestBody: body('ChargingRequest'),
        responses: {
          '200': json({ $ref: '#/components/schemas/ChargingSchedule' }),
          '404': errorResponse('RESOURCE_NOT_FOUND or MARKET_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/communities/{communityId}/resources': {
      get: {
        operationId: 'listFlexResources',
        description: "A community's flexible resources, 200 a page: operator, utility and regulator.",
        parameters: [pathParam('communityId'), { name: 'bookmark', in: 'query', required: false, schema: { type: 'string' } }],
        responses: { '200': answer(dispatch.listResources), ...common },
      },
    },
    '/communities/{communityId}/dispatches': {
      post: {
        operationId: 'requestDispatch',
        description:
          "The utility. A setpoint for a resource; refused DISPATCH_LIMIT_EXCEEDED (details.limit) beyond its owner's limits. The " +
          'device bridge publishes it on the device’s commands topic; the device acknowledges by `ackBy` or is marked non-responsive ' +
          'and the next resource of its zone is dispatched. The same request again answers the same dispatch.',
        parameters: [pathParam('communityId')],
        requestBody: body('DispatchRequest'),
        responses: {
          '201': answer(dispatch.requestDispatch),
          '404': errorResponse('RESOURCE_NOT_FOUND or DISPATCH_NOT_FOUND (replaces)'),
          '409': errorResponse('DISPATCH_STATE_INVALID'),
          '422': errorResponse('DISPATCH_LIMIT_EXCEEDED'),
          ...common,
          '400': errorResponse('REQUEST_INVALID or DISPATCH_INVALID (details.field)'),
        },
      },
      get: {
        operationId: 'listOpenDispatches',
        description: 'The dispatches awaiting an acknowledgement or a settlement: operator, utility and regulator.',
        parameters: [pathParam('communityId'), { name: 'bookmark', in: 'query', required: false, schema: { type: 'string' } }],
        responses: { '200': answer(dispatch.listOpenDispatches), ...common },
      },
    },
    '/communities/{communityId}/dispatches/{dispatchId}': {
      get: {
        operationId: 'getDispatch',
        description: "One dispatch with its acknowledgement and delivery: the resource's owner, the operator, the utility, the regulator.",
        parameters: [pathParam('communityId'), pathParam('dispatchId')],
        responses: { '200': answer(dispatch.getDispatch), '404': errorResponse('DISPATCH_NOT_FOUND'), ...common },
      },
    },
  };
}
