import { FabricClient, type FabricIdentity, type FabricMetrics, type PeerEndpoint } from '@gridledger/fabric-client';

/** Where and as whom a bridge service reaches the chaincode: its peer, the bridge's identity (a meter-bridge of the Community). */
export interface BridgeFabric {
  peer: PeerEndpoint;
  identity: FabricIdentity;
  channel: string;
  chaincode: string;
  metrics?: FabricMetrics;
}

/** A chaincode answer's JSON. */
export const json = (bytes: Uint8Array): unknown => JSON.parse(Buffer.from(bytes).toString('utf8'));

/** What the bridge's ledger ports (telemetry, dispatch) share: one Fabric client with the bridge's identity. */
export abstract class BridgeFabricPort {
  protected readonly fabric: FabricClient;

  constructor(protected readonly c: BridgeFabric) {
    this.fabric = new FabricClient({
      peer: c.peer,
      channel: c.channel,
      chaincode: c.chaincode,
      ...(c.metrics ? { metrics: c.metrics } : {}),
    });
  }
}
