import mqtt, { type IClientOptions } from 'mqtt';
import type { ChaincodeEvent } from '@hyperledger/fabric-gateway';
import type { FabricLedgerSubmitter } from './fabric';
import type { Logger } from '@gridledger/network';
import { relayPositions } from './positions';

/**
 * Runs the position relay (positions.ts) until stopped: its own MQTT connection, the chaincode
 * events from the file checkpoint, and a fresh start from the checkpoint whenever the peer's
 * stream breaks.
 */
export async function startPositionRelay(
  submitter: FabricLedgerSubmitter,
  mqttUrl: string,
  /** TLS trust and the relay's credential (`positions:<communityId>`), with its pinned client id. */
  mqttOptions: IClientOptions,
  protocolVersion: 4 | 5,
  communityId: string,
  checkpointFile: string,
  log: Logger,
): Promise<{ stop(): Promise<void> }> {
  const client = await mqtt.connectAsync(mqttUrl, {
    clientId: `gridledger-positions-${communityId}`,
    ...mqttOptions,
    protocolVersion,
    clean: true,
  });
  let stopped = false;
  let current: { close(): void } | undefined;
  const loop = async () => {
    while (!stopped) {
      try {
        const { events, checkpointer } = await submitter.chaincodeEvents(checkpointFile);
        current = events;
        await relayPositions(events, client, communityId, (e) => checkpointer.checkpointChaincodeEvent(e as ChaincodeEvent));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (!stopped) log.warn({ error: message }, 'position relay interrupted; resuming from its checkpoint');
      }
      if (!stopped) await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void loop();
  return {
    async stop() {
      stopped = true;
      current?.close();
      await client.endAsync();
    },
  };
}
