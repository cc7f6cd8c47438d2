/** The MQTT topics of the architecture (gridledger/v1/{communityId}/meters/{meterId}/...). */
const PREFIX = 'gridledger/v1';

export const readingsTopic = (communityId: string, meterId: string) => `${PREFIX}/${communityId}/meters/${meterId}/readings`;
export const receiptsTopic = (communityId: string, meterId: string) => `${PREFIX}/${communityId}/meters/${meterId}/receipts`;
/** The subscription of the bridge: every meter's readings in one community. */
export const allReadingsFilter = (communityId: string) => `${PREFIX}/${communityId}/meters/+/readings`;
export const allReceiptsFilter = (communityId: string) => `${PREFIX}/${communityId}/meters/+/receipts`;

/** The meterId a readings or receipts topic names, or undefined when the topic is not one. */
export function meterIdOfTopic(topic: string, communityId: string, kind: 'readings' | 'receipts'): string | undefined {
  const parts = topic.split('/');
  if (parts.length !== 6) return undefined;
  const [g, v, community, meters, meterId, last] = parts;
  if (`${g}/${v}` !== PREFIX || community !== communityId || meters !== 'meters' || last !== kind) return undefined;
  return meterId;
}

/**
 * Telemetry (docs/telemetry.md): a meter publishes on `.../meters/{meterId}/telemetry`, a sensor of
 * the grid model (a feeder's head, the connection point) on `.../sensors/{sensorId}/telemetry`.
 */
export { meterTelemetryTopic } from '@gridledger/network';
export const sensorTelemetryTopic = (communityId: string, sensorId: string) => `${PREFIX}/${communityId}/sensors/${sensorId}/telemetry`;
/** The telemetry service's subscriptions: every meter's and sensor's telemetry in one community. */
export const telemetryFilters = (communityId: string) => [
  `${PREFIX}/${communityId}/meters/+/telemetry`,
  `${PREFIX}/${communityId}/sensors/+/telemetry`,
];

/** The device a telemetry topic names and whether it is a meter or a sensor; undefined when the topic is not one. */
export function deviceOfTelemetryTopic(topic: string, communityId: string): { deviceId: string; source: 'meters' | 'sensors' } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 6) return undefined;
  const [g, v, community, source, deviceId, last] = parts;
  if (`${g}/${v}` !== PREFIX || community !== communityId || last !== 'telemetry') return undefined;
  if (source !== 'meters' && source !== 'sensors') return undefined;
  return { deviceId, source };
}
