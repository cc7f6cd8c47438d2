import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type express from 'express';
import type { BecknSigner, Subscriber } from '../../src';

/** A participant's Ed25519 key pair and its registry record (valid for a day around now unless told). */
export function participantKeys(subscriberId: string, uniqueKeyId: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer: BecknSigner = { subscriberId, uniqueKeyId, privateKey };
  return { signer, publicKey, publicBase64: rawBase64(publicKey) };
}

export function rawBase64(publicKey: KeyObject): string {
  return Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64');
}

export function record(
  keys: { signer: BecknSigner; publicBase64: string },
  type: Subscriber['type'],
  url: string,
  over: Partial<Subscriber> = {},
): Subscriber {
  return {
    subscriberId: keys.signer.subscriberId,
    uniqueKeyId: keys.signer.uniqueKeyId,
    type,
    url,
    signingPublicKey: keys.publicBase64,
    validFrom: new Date(Date.now() - 86_400_000).toISOString(),
    validUntil: new Date(Date.now() + 86_400_000).toISOString(),
    status: 'SUBSCRIBED',
    ...over,
  };
}

export function writeRegistry(path: string, subscribers: Subscriber[], toWire: (s: Subscriber) => unknown): void {
  writeFileSync(path, JSON.stringify({ subscribers: subscribers.map(toWire) }, null, 2));
}

/** Listens on loopback (port 0: any free one) and gives the port and a close that waits. */
export async function serve(app: express.Express, port = 0): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Waits until `check` holds (polls every 20 ms), or fails after `ms`. */
export async function until(check: () => boolean, ms = 5_000, what = 'the condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A battery as the ledger records it (the storage profile's tests). */
export const battery = {
  batteryId: 'bat-1',
  providerId: 'bp-1',
  communityId: 'c1',
  zone: 'z1',
  meterId: 'bp-1.battery',
  capacityWh: 10_000,
  maxChargeW: 5_000,
  maxDischargeW: 4_000,
  roundTripEfficiencyPpm: 900_000,
  latitudeMicro: 52_520_000,
  longitudeMicro: 13_405_000,
  availability: [{ from: '2026-12-01T00:00:00Z', to: '2026-12-31T00:00:00Z' }],
  storedPriceMicrosPerKwh: 50_000,
  reservedPriceMicrosPerKwhDay: 240_000,
};
