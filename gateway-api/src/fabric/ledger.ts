import {
  blockchainInfoHeight,
  blockNumberOf,
  FabricClient,
  fromFabricError,
  parseResult,
  type Deadlines,
  type FabricMetrics,
  type RetryOptions,
} from '@gridledger/fabric-client';
import type { WalletUser } from '@gridledger/network';
import type { EvaluateOptions, EventStream, LedgerEvent, LedgerPort, PeerStatus, SubmitOptions, SubmitResult } from '../ports';

export interface FabricLedgerOptions {
  peer: { endpoint: string; hostAlias: string; tlsRootCertPath: string; operationsUrl: string };
  channel: string;
  chaincode: string;
  /** The identity the gateway reads chain information with (the organization's admin or any member). */
  serviceUser: WalletUser;
  deadlinesMs?: Partial<Deadlines> & { health?: number };
  /** Attempts of a transaction invalidated by an MVCC or phantom read conflict, and the first backoff. */
  conflictRetry?: RetryOptions;
  /** Submission and commit latencies, MVCC retries. */
  metrics?: FabricMetrics;
}

/**
 * The ledger as the gateway's LedgerPort, on the Fabric client edge (@gridledger/fabric-client):
 * one gRPC connection to the organization's peer, one fabric-gateway connection per wallet
 * identity, every failure a GridLedgerError, results parsed from the chaincode's JSON.
 */
export class FabricLedger implements LedgerPort {
  private readonly fabric: FabricClient;

  constructor(private readonly opts: FabricLedgerOptions) {
    const { health: _health, ...deadlines } = opts.deadlinesMs ?? {};
    this.fabric = new FabricClient({
      peer: opts.peer,
      channel: opts.channel,
      chaincode: opts.chaincode,
      deadlines,
      ...(opts.conflictRetry ? { retry: opts.conflictRetry } : {}),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    });
  }

  async evaluate(user: WalletUser, fn: string, args: string[], options: EvaluateOptions = {}): Promise<unknown> {
    return parseResult(await this.fabric.evaluate(user, fn, args, undefined, options.endorsingOrganizations));
  }

  async submit(user: WalletUser, fn: string, args: string[], options: SubmitOptions = {}): Promise<SubmitResult> {
    const { result, txId, blockNumber } = await this.fabric.submit(user, fn, args, options);
    return { result: parseResult(result), txId, blockNumber };
  }

  async chaincodeEvents(user: WalletUser, startBlock?: bigint): Promise<EventStream> {
    const events = await this.fabric.chaincodeEvents(user, startBlock !== undefined ? { startBlock } : {});
    return {
      async *[Symbol.asyncIterator](): AsyncIterator<LedgerEvent> {
        for await (const e of events) yield { blockNumber: e.blockNumber, txId: e.transactionId, name: e.eventName, payload: e.payload };
      },
      close: () => events.close(),
    };
  }

  /** qscc GetChainInfo: a protobuf BlockchainInfo whose field 1 is the height. */
  async blockHeight(): Promise<bigint> {
    const bytes = await this.fabric.evaluate(this.opts.serviceUser, 'GetChainInfo', [this.opts.channel], 'qscc');
    try {
      return blockchainInfoHeight(bytes);
    } catch (e) {
      throw fromFabricError(e);
    }
  }

  /** qscc GetBlockByTxID: the block (protobuf common.Block) holding the transaction, and its header's number. */
  async transactionBlock(txId: string): Promise<bigint> {
    const bytes = await this.fabric.evaluate(this.opts.serviceUser, 'GetBlockByTxID', [this.opts.channel, txId], 'qscc');
    try {
      return blockNumberOf(bytes);
    } catch (e) {
      throw fromFabricError(e);
    }
  }

  /** The peer's operations endpoint: 200 from /healthz when every health check passes. */
  async peerStatus(): Promise<PeerStatus> {
    const url = `${this.opts.peer.operationsUrl.replace(/\/$/, '')}/healthz`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.opts.deadlinesMs?.health ?? 2_000) });
      if (res.status === 200) return { ok: true };
      const body = (await res.json().catch(() => ({}))) as { failed_checks?: { component?: string; reason?: string }[] };
      const failed = (body.failed_checks ?? []).map((c) => `${c.component}: ${c.reason}`).join('; ');
      return { ok: false, reason: `${url} answered ${res.status}${failed ? ` (${failed})` : ''}` };
    } catch (e) {
      return { ok: false, reason: `${url} did not answer: ${(e as Error).message}` };
    }
  }

  close(): void {
    this.fabric.close();
  }
}
