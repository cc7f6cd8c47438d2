/** A battery provider with its battery meter, and a battery's registration (61-storage-contracts, 62-beckn-storage). */
import { generateKeyPairSync } from 'node:crypto';
import { formatInstant } from '@gridledger/core';
import { api, operatorKey, uid } from './support';

export interface Provider {
  participantId: string;
  apiKey: string;
  meterId: string;
  privateKeyPem: string;
}

const op = (method: string, path: string, body?: unknown) => api('community', operatorKey(), method, path, body);

/** A battery provider onboarded at the Community gateway with a bidirectional battery meter in community `communityId`. */
export async function provider(communityId: string): Promise<Provider> {
  const participantId = uid('bp');
  const onboarded = await op('POST', '/participants', { participantId, role: 'battery-provider' });
  expect(onboarded.status).toBe(201);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const meterId = `${participantId}.battery`;
  const meter = await op('POST', '/meters', {
    meterId,
    participantId,
    kind: 'bidirectional',
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    exportCapacityW: 600_000,
    communityId,
  });
  expect(meter.status).toBe(201);
  return {
    participantId,
    apiKey: String(onboarded.body.apiKey),
    meterId,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** A 10 kWh battery in Berlin, zone z1, available from yesterday for four days, at 50,000 µ/kWh stored and 240,000 µ/kWh·day. */
export function battery(p: Provider, communityId: string, batteryId: string, more: Record<string, unknown> = {}) {
  const day = Math.floor(Date.now() / 86_400_000) * 86_400;
  return {
    batteryId,
    communityId,
    zone: 'z1',
    meterId: p.meterId,
    capacityWh: 10_000,
    maxChargeW: 50_000,
    maxDischargeW: 50_000,
    roundTripEfficiencyPpm: 900_000,
    latitudeMicro: 52_520_000,
    longitudeMicro: 13_405_000,
    availability: [{ from: formatInstant(day - 86_400), to: formatInstant(day + 3 * 86_400) }],
    storedPriceMicrosPerKwh: 50_000,
    reservedPriceMicrosPerKwhDay: 240_000,
    penaltyMicrosPerKwh: 100_000,
    ...more,
  };
}
