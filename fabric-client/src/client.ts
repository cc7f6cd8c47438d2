import type * as grpc from '@grpc/grpc-js';
import type { Checkpointer, ChaincodeEvent, CloseableAsyncIterable, Contract, Gateway } from '@hyperledger/fabric-gateway';
import { connectGateway, grpcClient, identityFingerprint, type Deadlines, type FabricIdentity, type PeerEndpoint } from './connection';
import { fromFabricError } from './errors';
import type { FabricMetrics } from './metrics';
import { submitWithRetry, type RetryOptions, type SubmitOptions, type Submitted } from './submit';

export interface FabricClientOptions {
  peer: PeerEndpoint;
  channel: string;
  chaincode: string;
  deadlines?: Partial<Deadlines>;
  retry?: RetryOptions;
  /** Submission and commit latencies, MVCC retries. */
  metrics?: FabricMetrics;
}

/** Where chaincode events start: a block number, a checkpoint, or (neither) the next block. */
export type EventsFrom = { startBlock?: bigint; checkpoint?: Checkpointer };

/**
 * The ledger through one peer's Gateway service: one gRPC connection (TLS), shared by one
 * fabric-gateway connection per identity (made on first use, and again when its certificate
 * changed on disk). Every failure leaves as a GridLedgerError (fromFabricError); results are the
 * chaincode's bytes (see parseResult).
 */
export class FabricClient {
  private readonly client: grpc.Client;
  private readonly gateways = new Map<string, { fingerprint: string; gateway: Gateway }>();

  constructor(private readonly opts: FabricClientOptions) {
    this.client = grpcClient(opts.peer);
  }

  /** The identity's gateway connection. */
  gateway(identity: FabricIdentity): Gateway {
    const key = `${identity.mspId}\n${identity.certPath}`;
    const fingerprint = identityFingerprint(identity);
    const cached = this.gateways.get(key);
    if (cached?.fingerprint === fingerprint) return cached.gateway;
    cached?.gateway.close();
    const gateway = connectGateway(this.client, identity, this.opts.deadlines);
    this.gateways.set(key, { fingerprint, gateway });
    return gateway;
  }

  contract(identity: FabricIdentity, chaincode = this.opts.chaincode): Contract {
    return this.gateway(identity).getNetwork(this.opts.channel).getContract(chaincode);
  }

  /** Evaluates at the gateway's peer, or at a peer of `endorsingOrganizations` (the peer gateway forwards it). */
  async evaluate(
    identity: FabricIdentity,
    fn: string,
    args: string[],
    chaincode?: string,
    endorsingOrganizations?: string[],
  ): Promise<Uint8Array> {
    try {
      return await this.contract(identity, chaincode).evaluate(fn, {
        arguments: args,
        ...(endorsingOrganizations !== undefined ? { endorsingOrganizations } : {}),
      });
    } catch (e) {
      throw fromFabricError(e);
    }
  }

  /** Endorses, submits and waits for a valid commit, with the MVCC retry of submitWithRetry. */
  submit(identity: FabricIdentity, fn: string, args: string[], options: SubmitOptions = {}): Promise<Submitted> {
    let contract: Contract;
    try {
      contract = this.contract(identity);
    } catch (e) {
      return Promise.reject(fromFabricError(e));
    }
    return submitWithRetry(contract, fn, args, this.opts.retry, { localMspId: identity.mspId, ...options }, this.opts.metrics);
  }

  /** The chaincode's events; iterating throws GridLedgerErrors too. */
  async chaincodeEvents(identity: FabricIdentity, from: EventsFrom = {}): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
    let events: CloseableAsyncIterable<ChaincodeEvent>;
    try {
      events = await this.gateway(identity).getNetwork(this.opts.channel).getChaincodeEvents(this.opts.chaincode, from);
    } catch (e) {
      throw fromFabricError(e);
    }
    return {
      async *[Symbol.asyncIterator]() {
        try {
          yield* events;
        } catch (err) {
          throw fromFabricError(err);
        }
      },
      close: () => events.close(),
      [Symbol.dispose]: () => events.close(),
    };
  }

  close(): void {
    for (const { gateway } of this.gateways.values()) gateway.close();
    this.gateways.clear();
    this.client.close();
  }
}

/** A chaincode result: its JSON, its text when it is not JSON, or undefined when empty. */
export function parseResult(bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes).toString('utf8');
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
