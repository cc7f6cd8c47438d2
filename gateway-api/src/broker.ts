import { readFileSync } from 'node:fs';
import {
  ADMIN_USERNAME,
  BrokerAdmin,
  mqttCredentialPath,
  readCredential,
  type MqttCredential,
  type NetworkProfile,
  type Principal,
} from '@gridledger/network';
import { ErrorCodes, GridLedgerError } from './errors';

/** A broker credential as the API hands it out: where to connect, whom to trust, who to be. */
export interface IssuedMqttCredential extends MqttCredential {
  url: string;
  /** The CA certificate that signed the broker's TLS certificate (PEM). */
  caCertPem: string;
}

/** The community broker's administration, as the gateway uses it (mqtt-access.ts in network). */
export interface BrokerPort {
  /** A principal's role set to its topics and a new password for its client (the old one ends). */
  grant(principal: Principal): Promise<IssuedMqttCredential>;
  /** Adds topics to an existing principal's role; false when it has none. */
  extend(principal: Principal): Promise<boolean>;
  /** Ends a principal's client (dropping its connection) and role. */
  remove(principal: Principal): Promise<void>;
  close(): Promise<void>;
}

const unavailable = (e: unknown) =>
  new GridLedgerError(ErrorCodes.BROKER_UNAVAILABLE, `the MQTT broker did not answer: ${e instanceof Error ? e.message : String(e)}`);

/**
 * The gateway's connection to the broker as its admin (the dynamic-security plugin's control
 * topic), opened at the first use and again after a failure.
 */
export class NetworkBroker implements BrokerPort {
  private admin: Promise<BrokerAdmin> | undefined;

  constructor(
    private readonly profile: NetworkProfile,
    private readonly clientId: string,
  ) {}

  private connection(): Promise<BrokerAdmin> {
    if (!this.admin) {
      const credential = readCredential(mqttCredentialPath(this.profile.stateDir, ADMIN_USERNAME));
      if (!credential) return Promise.reject(new Error('this platform has no broker admin credential'));
      this.admin = BrokerAdmin.connect(this.profile.mqtt, credential, this.clientId);
      this.admin.catch(() => (this.admin = undefined));
    }
    return this.admin;
  }

  private async use<T>(work: (admin: BrokerAdmin) => Promise<T>): Promise<T> {
    try {
      return await work(await this.connection());
    } catch (e) {
      const admin = this.admin;
      this.admin = undefined;
      void admin?.then((a) => a.close()).catch(() => undefined);
      throw unavailable(e);
    }
  }

  async grant(principal: Principal): Promise<IssuedMqttCredential> {
    const credential = await this.use((admin) => admin.grant(principal));
    return { url: this.profile.mqtt.url, caCertPem: readFileSync(this.profile.mqtt.caCertPath, 'utf8'), ...credential };
  }

  extend(principal: Principal): Promise<boolean> {
    return this.use((admin) => admin.extend(principal));
  }

  remove(principal: Principal): Promise<void> {
    return this.use((admin) => admin.remove(principal));
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.then((a) => a.close()).catch(() => undefined);
  }
}
