import { checkpointers, type ChaincodeEvent, type Checkpointer, type CloseableAsyncIterable } from '@hyperledger/fabric-gateway';
import { FabricClient, type FabricIdentity, type FabricMetrics, type PeerEndpoint } from '@gridledger/fabric-client';
import { CONSUMPTION_MEMBERS, validateMeteringParams, type MeteringParams, type SignedReading } from '@gridledger/core';
import { parseSubmitOutcome, type LedgerSubmitter, type SubmitOutcome } from './ledger';

export interface FabricConnection {
  peer: PeerEndpoint;
  identity: FabricIdentity;
  channel: string;
  chaincode: string;
  /** Submission and commit latencies, MVCC retries (the bridge's registry). */
  metrics?: FabricMetrics;
}

const json = (bytes: Uint8Array): unknown => JSON.parse(Buffer.from(bytes).toString('utf8'));

/**
 * The Fabric shell of the bridge, on the Fabric client edge (@gridledger/fabric-client):
 * `metering:submitReadings` with the readings as one JSON array in the transient field `readings`
 * (household import never reaches a block), endorsed by the household-consumption collection's
 * members only; the answer counts only once the transaction is committed and valid. Failures are
 * the edge's GridLedgerErrors (a ChaincodeError when the chaincode answered with its own code).
 */
export class FabricLedgerSubmitter implements LedgerSubmitter {
  private readonly fabric: FabricClient;

  constructor(private readonly c: FabricConnection) {
    const { peer, channel, chaincode, metrics } = c;
    this.fabric = new FabricClient({ peer, channel, chaincode, ...(metrics ? { metrics } : {}) });
  }

  async submitReadings(readings: SignedReading[]): Promise<SubmitOutcome> {
    const submitted = await this.fabric.submit(this.c.identity, 'metering:submitReadings', [''], {
      transient: { readings: Buffer.from(JSON.stringify(readings)) },
      endorsingOrganizations: [...CONSUMPTION_MEMBERS],
    });
    return { ...parseSubmitOutcome(json(submitted.result), submitted.txId), txId: submitted.txId, timings: submitted.timings };
  }

  async getMeteringParams(): Promise<MeteringParams> {
    return validateMeteringParams(json(await this.fabric.evaluate(this.c.identity, 'metering:getParams', [])));
  }

  /** The chaincode's events from the checkpoint in `checkpointFile` on (from the next block the first time). */
  async chaincodeEvents(checkpointFile: string): Promise<{ events: CloseableAsyncIterable<ChaincodeEvent>; checkpointer: Checkpointer }> {
    const checkpointer = await checkpointers.file(checkpointFile);
    const events = await this.fabric.chaincodeEvents(this.c.identity, { checkpoint: checkpointer });
    return { events, checkpointer };
  }

  close(): void {
    this.fabric.close();
  }
}
