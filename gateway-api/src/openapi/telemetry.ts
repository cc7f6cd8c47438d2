import { catalogue } from '@gridledger/core/catalogue';
import { answer } from './answers';
import type { OpenApiParts } from './metering';

/** OpenAPI paths and schemas of live telemetry and grid alerts (routes/telemetry.ts, docs/telemetry.md). */
const { telemetry } = catalogue;
const int = { type: 'integer' };
const nullableInt = { type: 'integer', nullable: true };
const str = { type: 'string' };

const LiveDevice = {
  type: 'object',
  required: ['deviceId', 'kind', 'zone', 'at', 'powerW'],
  properties: {
    deviceId: str,
    kind: { type: 'string', enum: ['meter', 'feeder', 'connection'] },
    zone: str,
    participantId: str,
    at: str,
    powerW: { ...int, description: 'W, signed: + export' },
    frequencyMHz: { ...int, description: 'absent when the device does not measure it (a sample from an OpenADR report)' },
    voltageMv: { ...int, description: 'absent when the device does not measure it' },
  },
};

const ZoneBalance = {
  type: 'object',
  required: ['zone', 'supplyW', 'demandW', 'netW', 'feederFlowW', 'feederMeasured', 'limitW', 'loadingPpm', 'devices', 'staleDevices'],
  properties: {
    zone: str,
    supplyW: int,
    demandW: int,
    netW: int,
    feederFlowW: { ...int, description: 'flow out of the zone on its feeder (+ export): its feeder sensor, else netW' },
    feederMeasured: { type: 'boolean' },
    limitW: nullableInt,
    loadingPpm: { ...nullableInt, description: '|feederFlowW| of limitW, parts per million' },
    devices: int,
    staleDevices: int,
    minFrequencyMHz: nullableInt,
    maxFrequencyMHz: nullableInt,
    minVoltageMv: nullableInt,
    maxVoltageMv: nullableInt,
  },
};

export const telemetrySchemas = {
  GridLive: {
    type: 'object',
    description: 'The live view. A household gets only communityId, at and its own devices.',
    required: ['communityId', 'at', 'devices'],
    properties: {
      communityId: str,
      at: str,
      balance: {
        type: 'object',
        required: ['at', 'zones', 'supplyW', 'demandW', 'netExchangeW', 'exchangeMeasured'],
        properties: {
          at: str,
          zones: { type: 'array', items: ZoneBalance },
          supplyW: int,
          demandW: int,
          netExchangeW: {
            ...int,
            description: 'with the utility, + export: the connection point sensor, else the sum of the feeder flows',
          },
          exchangeMeasured: { type: 'boolean' },
        },
      },
      devices: { type: 'array', items: LiveDevice },
      activeAlerts: {
        type: 'array',
        items: { type: 'object', required: ['alertId', 'condition'], properties: { alertId: str, condition: str } },
      },
    },
  },
  TelemetrySeries: {
    type: 'object',
    description: 'Raw samples (resolution raw) or 1-minute aggregates (minute) in [from, to).',
    required: ['resolution', 'from', 'to', 'series'],
    properties: {
      deviceId: str,
      zone: str,
      resolution: { type: 'string', enum: ['raw', 'minute'] },
      from: str,
      to: str,
      series: { type: 'array', items: { type: 'object', additionalProperties: true } },
    },
  },
};

export function telemetryPaths(p: OpenApiParts) {
  const { instant, pathParam, errorResponse, common, json } = p;
  const unavailable = { '503': errorResponse('TELEMETRY_UNAVAILABLE or LEDGER_UNAVAILABLE') };
  const span = [
    { name: 'from', in: 'query', required: false, allowReserved: true, schema: instant, description: 'default: an hour before `to`' },
    { name: 'to', in: 'query', required: false, allowReserved: true, schema: instant, description: 'default: now' },
    { name: 'resolution', in: 'query', required: false, schema: { type: 'string', enum: ['raw', 'minute'] } },
  ];
  const series = json({ $ref: '#/components/schemas/TelemetrySeries' });
  const bookmark = { name: 'bookmark', in: 'query', required: false, schema: { type: 'string', maxLength: 1024 } };
  return {
    '/communities/{communityId}/grid/live': {
      get: {
        operationId: 'getGridLive',
        description:
          'Operator, utility, regulator: live supply, demand and feeder loading per zone, the net exchange with the utility, every ' +
          "device's latest sample (the regulator: the grid sensors', no household's meter) and the active alerts. " +
          "A household: its own meters' latest samples only.",
        parameters: [pathParam('communityId')],
        responses: { '200': json({ $ref: '#/components/schemas/GridLive' }), ...common, ...unavailable },
      },
    },
    '/communities/{communityId}/zones/{zoneId}/telemetry': {
      get: {
        operationId: 'getZoneTelemetry',
        description: "Operator, utility, regulator: a zone's samples (raw) or per minute the sum of its devices' mean power (minute).",
        parameters: [pathParam('communityId'), pathParam('zoneId'), ...span],
        responses: { '200': series, ...common, ...unavailable },
      },
    },
    '/meters/{meterId}/telemetry': {
      get: {
        operationId: 'getMeterTelemetry',
        description:
          "A meter's samples or minute aggregates: for its household, the operator and the utility (not the regulator: household detail).",
        parameters: [pathParam('meterId'), ...span],
        responses: { '200': series, '404': errorResponse('METER_NOT_REGISTERED'), ...common, ...unavailable },
      },
    },
    '/communities/{communityId}/zones/{zoneId}/intervals': {
      get: {
        operationId: 'listZoneIntervals',
        description: "Operator, utility, regulator: a zone's telemetry aggregates of closed intervals, as the ledger keeps them.",
        parameters: [
          pathParam('communityId'),
          pathParam('zoneId'),
          { name: 'from', in: 'query', required: true, allowReserved: true, schema: instant },
          { name: 'to', in: 'query', required: true, allowReserved: true, schema: instant },
          bookmark,
        ],
        responses: { '200': answer(telemetry.listZoneIntervals), ...common },
      },
    },
    '/communities/{communityId}/alerts': {
      get: {
        operationId: 'listGridAlerts',
        description:
          'Operator, utility, regulator: the active grid alerts (default), or every alert by the time it was raised (status=all).',
        parameters: [
          pathParam('communityId'),
          { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: ['active', 'all'] } },
          bookmark,
        ],
        responses: { '200': answer(telemetry.listAlerts), ...common },
      },
    },
    '/communities/{communityId}/alerts/{alertId}': {
      get: {
        operationId: 'getGridAlert',
        parameters: [pathParam('communityId'), pathParam('alertId')],
        responses: { '200': answer(telemetry.getAlert), '404': errorResponse('ALERT_NOT_FOUND'), ...common },
      },
    },
    '/communities/{communityId}/alerts/{alertId}/acknowledgement': {
      post: {
        operationId: 'acknowledgeGridAlert',
        description: 'Operator. Acknowledges an alert that is not cleared (again: unchanged).',
        parameters: [pathParam('communityId'), pathParam('alertId')],
        responses: {
          '200': answer(telemetry.acknowledgeAlert),
          '404': errorResponse('ALERT_NOT_FOUND'),
          '409': errorResponse('ALERT_STATE_INVALID: the alert is cleared'),
          ...common,
        },
      },
    },
    '/communities/{communityId}/sensors/{sensorId}/mqtt-credential': {
      post: {
        operationId: 'issueSensorMqttCredential',
        description:
          "Operator. A new broker credential for a grid sensor (a feeder's head or the connection point): it publishes its own telemetry " +
          'topic only. The old password stops working.',
        parameters: [pathParam('communityId'), pathParam('sensorId')],
        responses: {
          '201': json({ $ref: '#/components/schemas/MqttCredential' }, 'a new credential'),
          ...common,
          '503': errorResponse('BROKER_UNAVAILABLE'),
        },
      },
    },
  };
}
