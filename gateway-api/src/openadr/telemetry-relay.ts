/**
 * Where the VTN sends the telemetry samples of VEN reports (docs/openadr.md, "Reports as telemetry"):
 * onto the meter's telemetry topic of the community's broker, as the broker principal `vtn:<org>`
 * (network/src/mqtt-access.ts), so that they take the path of every meter's sample and the
 * telemetry service checks them as it checks any (the meter registered and active, its zone).
 */
import { connectMqtt, meterTelemetryTopic, type MqttClient, type NetworkProfile } from '@gridledger/network';
import type { BrokerPort } from '../broker';
import type { ReportSample } from './report-telemetry';

export interface TelemetryRelay {
  /** Publishes the samples (QoS 1); resolves when the broker has them all. */
  publish(samples: readonly (ReportSample & { zone: string })[]): Promise<void>;
  close(): Promise<void>;
}

/** The sample as a meter would publish it (core/src/telemetry/sample.ts), without frequency and voltage. */
export const samplePayload = (s: ReportSample & { zone: string }) =>
  JSON.stringify({
    deviceId: s.meterId,
    zone: s.zone,
    at: new Date(s.atSeconds * 1000).toISOString().replace('.000Z', 'Z'),
    powerW: s.powerW,
  });

/**
 * The relay over the community broker: at its first use it grants itself its principal (a new
 * password each time the gateway starts: only this gateway holds `vtn:<org>`) and connects; after a
 * failed grant or connection the next use tries again.
 */
export class MqttTelemetryRelay implements TelemetryRelay {
  private client: Promise<MqttClient> | undefined;

  constructor(
    private readonly broker: BrokerPort,
    private readonly mqtt: NetworkProfile['mqtt'],
    private readonly org: string,
  ) {}

  private connection(): Promise<MqttClient> {
    this.client ??= this.broker
      .grant({ kind: 'vtn', communityId: this.mqtt.communityId, org: this.org })
      .then((credential) => connectMqtt(this.mqtt, credential));
    this.client.catch(() => (this.client = undefined));
    return this.client;
  }

  async publish(samples: readonly (ReportSample & { zone: string })[]): Promise<void> {
    if (samples.length === 0) return;
    const client = await this.connection();
    await Promise.all(
      samples.map((s) => client.publishAsync(meterTelemetryTopic(this.mqtt.communityId, s.meterId), samplePayload(s), { qos: 1 })),
    );
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await (await client?.catch(() => undefined))?.endAsync();
  }
}
