/**
 * A simulated battery or EV charger (docs/dispatch.md, "Simulated devices"): it reads its commands
 * topic and, as its behaviour says, obeys (acknowledges at once and follows the setpoint), lags
 * (acknowledges after a delay, then follows it), refuses (acknowledges with a refusal) or fails
 * (says nothing). Its power follows the accepted setpoints, so its meter's telemetry shows what it
 * delivered. Used by the simulator (`--devices`) and the dispatch tests.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { formatInstant, secondsOf, type DispatchCommand } from '@gridledger/core';
import { deviceTopic } from '@gridledger/network';

export type DeviceBehaviour = 'obey' | 'lag' | 'refuse' | 'fail';

export interface SimulatedDeviceOptions {
  communityId: string;
  deviceId: string;
  behaviour: DeviceBehaviour;
  /** The state of charge it reports (Wh); an obeying device moves it by what it delivers. */
  socWh: number;
  /** How late a lagging device answers (ms). */
  lagMs?: number;
  mqttUrl: string;
  mqttOptions: IClientOptions;
}

/** What a device does with a command: its acknowledgement (or none) and when. */
export function responseOf(behaviour: DeviceBehaviour, lagMs: number): { status: 'accepted' | 'refused'; delayMs: number } | undefined {
  switch (behaviour) {
    case 'obey':
      return { status: 'accepted', delayMs: 0 };
    case 'lag':
      return { status: 'accepted', delayMs: lagMs };
    case 'refuse':
      return { status: 'refused', delayMs: 0 };
    case 'fail':
      return undefined;
  }
}

export class SimulatedDevice {
  private client?: MqttClient;
  /** The setpoints it accepted. */
  readonly accepted: DispatchCommand[] = [];
  readonly received: DispatchCommand[] = [];
  private socWh: number;

  constructor(private readonly o: SimulatedDeviceOptions) {
    this.socWh = o.socWh;
  }

  async start(): Promise<void> {
    this.client = await mqtt.connectAsync(this.o.mqttUrl, { ...this.o.mqttOptions, reconnectPeriod: 1000, connectTimeout: 10_000 });
    this.client.on('message', (_topic, payload) => this.onCommand(JSON.parse(payload.toString('utf8')) as DispatchCommand));
    await this.client.subscribeAsync(deviceTopic(this.o.communityId, this.o.deviceId, 'commands'), { qos: 1 });
  }

  private onCommand(command: DispatchCommand): void {
    // A command is taken once per dispatch id (the bridge publishes an open one again after a restart).
    if (this.received.some((c) => c.dispatchId === command.dispatchId)) return;
    this.received.push(command);
    const answer = responseOf(this.o.behaviour, this.o.lagMs ?? 3_000);
    if (answer === undefined) return;
    setTimeout(() => {
      if (answer.status === 'accepted') this.accepted.push(command);
      const ack = {
        dispatchId: command.dispatchId,
        status: answer.status,
        ...(answer.status === 'refused' ? { reason: 'the owner has the device in manual mode' } : {}),
        socWh: this.socWh,
        at: formatInstant(Math.floor(Date.now() / 1000)),
      };
      void this.client?.publishAsync(deviceTopic(this.o.communityId, this.o.deviceId, 'acks'), JSON.stringify(ack), { qos: 1 });
    }, answer.delayMs).unref();
  }

  /** The device's power change at `atSeconds` (W, + export): the accepted setpoint in force then, else 0. */
  powerAt(atSeconds: number): number {
    const s = this.accepted.find((c) => atSeconds >= secondsOf(c.startAt) && atSeconds < secondsOf(c.startAt) + c.durationSeconds);
    return s?.powerW ?? 0;
  }

  async stop(): Promise<void> {
    await this.client?.endAsync();
  }
}
