/**
 * A simulated battery or EV charger (docs/dispatch.md, "Simulated devices"): it reads its commands
 * topic and, as its behaviour says, obeys (acknowledges at once and follows the setpoint), lags
 * (acknowledges after a delay and follows the setpoint as late), refuses (acknowledges with a
 * refusal) or fails (says nothing). Its power follows the accepted setpoints while its state of
 * charge allows (an empty battery stops discharging, a full one charging), so its meter's telemetry
 * shows what it delivered; its acknowledgements report the state of charge its setpoints left.
 * Used by the simulator (`--devices`) and the dispatch tests.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { formatInstant, secondsOf, type DispatchCommand } from '@gridledger/core';
import { deviceTopic } from '@gridledger/network';

export type DeviceBehaviour = 'obey' | 'lag' | 'refuse' | 'fail';

export interface SimulatedDeviceOptions {
  communityId: string;
  deviceId: string;
  behaviour: DeviceBehaviour;
  /** Its state of charge at start (Wh); what it delivers moves it. */
  socWh: number;
  /** Its capacity (Wh): it charges no further (default: no bound). */
  capacityWh?: number;
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

/** When a device follows a setpoint it accepted: from its start, or as late as it answered when it lags. */
export interface FollowedSetpoint {
  powerW: number;
  fromSeconds: number;
  toSeconds: number;
}

/**
 * The state of charge at `atSeconds` and the power the device gives then (W, + export): the setpoints in force move the charge
 * (export discharges), each held only while the charge stays within [0, capacityWh]. Whole seconds, Wh rounded down.
 */
export function deviceStateAt(
  startSocWh: number,
  capacityWh: number,
  followed: readonly FollowedSetpoint[],
  atSeconds: number,
): { socWh: number; powerW: number } {
  // Joules (W·s) so that every step is an integer.
  let soc = startSocWh * 3600;
  const cap = capacityWh * 3600;
  let powerW = 0;
  for (const f of [...followed].sort((a, b) => a.fromSeconds - b.fromSeconds)) {
    const held = Math.min(atSeconds, f.toSeconds) - f.fromSeconds;
    if (held < 0) continue;
    // Seconds until the charge hits its bound in the setpoint's direction.
    const room = f.powerW > 0 ? Math.floor(soc / f.powerW) : f.powerW < 0 ? Math.floor((cap - soc) / -f.powerW) : Infinity;
    const seconds = Math.min(held, room);
    soc -= f.powerW * seconds;
    if (atSeconds < f.toSeconds && held < room) powerW = f.powerW;
  }
  return { socWh: Math.floor(soc / 3600), powerW };
}

export class SimulatedDevice {
  private client?: MqttClient;
  /** The setpoints it accepted. */
  readonly accepted: DispatchCommand[] = [];
  readonly received: DispatchCommand[] = [];
  /** The accepted setpoints as it follows them. */
  private readonly followed: FollowedSetpoint[] = [];

  constructor(private readonly o: SimulatedDeviceOptions) {}

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
      const now = Math.floor(Date.now() / 1000);
      if (answer.status === 'accepted') {
        this.accepted.push(command);
        const start = secondsOf(command.startAt) + Math.ceil(answer.delayMs / 1000);
        this.followed.push({ powerW: command.powerW, fromSeconds: start, toSeconds: secondsOf(command.startAt) + command.durationSeconds });
      }
      const ack = {
        dispatchId: command.dispatchId,
        status: answer.status,
        ...(answer.status === 'refused' ? { reason: 'the owner has the device in manual mode' } : {}),
        socWh: this.stateAt(now).socWh,
        at: formatInstant(now),
      };
      void this.client?.publishAsync(deviceTopic(this.o.communityId, this.o.deviceId, 'acks'), JSON.stringify(ack), { qos: 1 });
    }, answer.delayMs).unref();
  }

  private stateAt(atSeconds: number) {
    return deviceStateAt(this.o.socWh, this.o.capacityWh ?? Number.MAX_SAFE_INTEGER / 3600, this.followed, atSeconds);
  }

  /** The device's power change at `atSeconds` (W, + export): the accepted setpoint it follows then, while its charge allows, else 0. */
  powerAt(atSeconds: number): number {
    return this.stateAt(atSeconds).powerW;
  }

  /** Its state of charge at `atSeconds` (Wh). */
  socAt(atSeconds: number): number {
    return this.stateAt(atSeconds).socWh;
  }

  async stop(): Promise<void> {
    await this.client?.endAsync();
  }
}
