/**
 * The gridledger chaincode's transactions as the gateway calls them: every name and argument form
 * in one place. Arguments are strings: objects and arrays as their JSON text, ids and instants as
 * they are. Results are JSON text.
 */
export const Tx = {
  registerParticipant: 'registry:registerParticipant',
  getParticipant: 'registry:getParticipant',
  registerMeter: 'registry:registerMeter',
  getMeter: 'registry:getMeter',
  listMeters: 'registry:listMeters',
  submitReadings: 'metering:submitReadings',
  getReading: 'metering:getReading',
  listReadings: 'metering:listReadings',
  listGaps: 'metering:listGaps',
  getMeteringParams: 'metering:getParams',
  ping: 'system:ping',
  whoami: 'system:whoami',
} as const;

export const jsonArg = (value: unknown): string => JSON.stringify(value);
