import type { IPublishPacket, MqttClient } from 'mqtt';

/** What `take` answers for a message: settled once it may be acknowledged (rejected: never, the broker sends it again). */
export interface Taken {
  durable: Promise<void>;
}

/**
 * Acknowledges QoS 1 messages once `take` says each is safe, without holding up the messages behind it.
 *
 * MQTT.js reads a connection's packets one at a time: the next PUBLISH (or the PUBACK of one of
 * our own publishes) is handled only once `handleMessage` calls back, and that callback is what
 * sends the PUBACK. A bridge that acknowledges a reading only once it is fdatasync'ed to its
 * journal then pays one fdatasync per message, in series: ~0.2 ms on a quiet disk, but tens of
 * milliseconds while the peers' LevelDB compacts, and then the broker's queue for the bridge grows,
 * its persistence file with it, and the PUBACKs of the bridge's own receipts wait behind up to
 * `max_inflight_messages` readings (the soak's stalled rounds, docs/bounded-state.md).
 *
 * Here `handleMessage` calls back at once with an error, which MQTT.js answers by sending no PUBACK
 * and reading on; `take` is called for every message in the order they came, and each message's
 * PUBACK goes out, in that same order (MQTT 3.1.1 §4.6), when its `durable` settles. So every
 * message that arrives during one fdatasync is written by the next (the journal's group commit),
 * and the guarantee is unchanged: no PUBACK before the reading is on disk. The broker still caps
 * what is unacknowledged at its `max_inflight_messages`, which bounds the messages taken but not
 * yet durable. The PUBACK is sent with MQTT.js's own packet writer (`_sendPacket`, private: the
 * version is pinned in package-lock.json and device-bridge/test/pipelined-acks.test.ts checks it
 * on a real broker). A PUBACK is not sent over a later connection than the one its message came
 * on: after a reconnect the broker sends the message again, and that copy is acknowledged instead.
 */
export function pipelineAcks(client: MqttClient, take: (packet: IPublishPacket) => Promise<Taken>): void {
  let connection = 0;
  client.on('connect', () => (connection += 1));
  /** `take` runs for one message after another; acknowledgements go out in arrival order. */
  let taking: Promise<unknown> = Promise.resolve();
  let acking: Promise<unknown> = Promise.resolve();
  const sendPacket = (client as unknown as { _sendPacket(packet: object): void })._sendPacket.bind(client);
  const version = client.options.protocolVersion;
  client.handleMessage = (packet, callback) => {
    const on = connection;
    const taken = taking.then(() => take(packet));
    taking = taken.catch(() => undefined);
    if (packet.qos === 1) {
      const durable = taken.then((t) => t.durable);
      acking = acking
        .then(() => durable)
        .then(
          () => {
            if (on === connection && client.connected) {
              sendPacket({ cmd: 'puback', messageId: packet.messageId, ...(version === 5 ? { reasonCode: 0 } : {}) });
            }
          },
          () => undefined,
        );
    } else {
      taken.catch(() => undefined);
    }
    callback(ACKNOWLEDGED_LATER);
  };
}

/** The error handed to MQTT.js so that it sends no PUBACK itself (it is never emitted or logged). */
const ACKNOWLEDGED_LATER = new Error('acknowledged once durable');
