import { createHash, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, Contract, Gateway, signers } from '@hyperledger/fabric-gateway';
import { GRPC_MESSAGE_LIMITS, type WalletUser } from '@gridledger/network';
import { parseResult } from '../chaincode';
import { ErrorCodes, fromFabricError, GridLedgerError, GrpcStatus, MVCC_READ_CONFLICT, PHANTOM_READ_CONFLICT } from '../errors';
import type { EventStream, LedgerEvent, LedgerPort, PeerStatus, SubmitOptions, SubmitResult } from '../ports';
import type { FabricMetrics } from '../metrics';
import { blockchainInfoHeight } from './protobuf';

export interface FabricLedgerOptions {
  peer: { endpoint: string; hostAlias: string; tlsRootCertPath: string; operationsUrl: string };
  channel: string;
  chaincode: string;
  /** The identity the gateway reads chain information with (the organization's admin or any member). */
  serviceUser: WalletUser;
  deadlinesMs?: { evaluate?: number; endorse?: number; submit?: number; commitStatus?: number; health?: number };
  /** Attempts of a transaction invalidated by an MVCC or phantom read conflict, and the first backoff. */
  conflictRetry?: { attempts?: number; backoffMs?: number };
  /** Submission and commit latencies, MVCC retries. */
  metrics?: FabricMetrics;
}

const after = (ms: number) => () => ({ deadline: Date.now() + ms });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The ledger through the peer's Gateway service: one gRPC connection (TLS) to the organization's
 * peer, shared by one fabric-gateway connection per wallet identity. Every failure leaves here as a
 * GridLedgerError: the chaincode's own code when its envelope is in the error, otherwise mapped
 * from the gRPC status (UNAVAILABLE, DEADLINE_EXCEEDED: LEDGER_UNAVAILABLE) or the validation code.
 */
export class FabricLedger implements LedgerPort {
  private readonly client: grpc.Client;
  private readonly gateways = new Map<string, { fingerprint: string; gateway: Gateway }>();

  constructor(private readonly opts: FabricLedgerOptions) {
    const { peer } = opts;
    this.client = new grpc.Client(peer.endpoint, grpc.credentials.createSsl(readFileSync(peer.tlsRootCertPath)), {
      'grpc.ssl_target_name_override': peer.hostAlias,
      ...GRPC_MESSAGE_LIMITS,
    });
  }

  /** The identity's gateway connection, made on first use (and again if its certificate changed). */
  private gateway(user: WalletUser): Gateway {
    const certificate = readFileSync(user.certPath);
    const fingerprint = createHash('sha256').update(certificate).update(user.keyPath).digest('hex');
    const cached = this.gateways.get(user.id);
    if (cached?.fingerprint === fingerprint) return cached.gateway;
    cached?.gateway.close();
    const d = { evaluate: 5_000, endorse: 15_000, submit: 5_000, commitStatus: 60_000, ...this.opts.deadlinesMs };
    const gateway = connect({
      client: this.client,
      identity: { mspId: user.mspId, credentials: certificate },
      signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(user.keyPath))),
      evaluateOptions: after(d.evaluate),
      endorseOptions: after(d.endorse),
      submitOptions: after(d.submit),
      commitStatusOptions: after(d.commitStatus),
    });
    this.gateways.set(user.id, { fingerprint, gateway });
    return gateway;
  }

  private contract(user: WalletUser, chaincode = this.opts.chaincode): Contract {
    return this.gateway(user).getNetwork(this.opts.channel).getContract(chaincode);
  }

  async evaluate(user: WalletUser, fn: string, args: string[]): Promise<unknown> {
    try {
      return parseResult(await this.contract(user).evaluate(fn, { arguments: args }));
    } catch (e) {
      throw fromFabricError(e);
    }
  }

  async submit(user: WalletUser, fn: string, args: string[], options: SubmitOptions = {}): Promise<SubmitResult> {
    return submitWithRetry(this.contract(user), fn, args, this.opts.conflictRetry, options, this.opts.metrics);
  }

  async chaincodeEvents(user: WalletUser, startBlock?: bigint): Promise<EventStream> {
    let events: Awaited<ReturnType<ReturnType<Gateway['getNetwork']>['getChaincodeEvents']>>;
    try {
      events = await this.gateway(user)
        .getNetwork(this.opts.channel)
        .getChaincodeEvents(this.opts.chaincode, startBlock !== undefined ? { startBlock } : {});
    } catch (e) {
      throw fromFabricError(e);
    }
    return {
      async *[Symbol.asyncIterator](): AsyncIterator<LedgerEvent> {
        try {
          for await (const e of events) {
            yield { blockNumber: e.blockNumber, txId: e.transactionId, name: e.eventName, payload: e.payload };
          }
        } catch (err) {
          throw fromFabricError(err);
        }
      },
      close: () => events.close(),
    };
  }

  /** qscc GetChainInfo: a protobuf BlockchainInfo whose field 1 is the height. */
  async blockHeight(): Promise<bigint> {
    try {
      const bytes = await this.contract(this.opts.serviceUser, 'qscc').evaluateTransaction('GetChainInfo', this.opts.channel);
      return blockchainInfoHeight(bytes);
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
    for (const { gateway } of this.gateways.values()) gateway.close();
    this.gateways.clear();
    this.client.close();
  }
}

/** The part of a fabric-gateway Contract a submission uses. */
export type ProposalMaker = Pick<Contract, 'newProposal'>;

/**
 * Endorses, submits and waits for the commit status. A transaction invalidated by an MVCC or
 * phantom read conflict is proposed again (a new transaction id, the same arguments, so the same
 * business ids) after a growing, jittered backoff; after the last attempt it is TRANSACTION_CONFLICT.
 * An endorsement that failed without a code of the chaincode's (gRPC ABORTED: the endorsing peers
 * answered differently, as when a concurrent transaction committed on one of them between their
 * reads, or the chaincode did not run) is proposed again the same way: nothing was ordered, so
 * the retry cannot do anything twice. After the last attempt its LEDGER_UNAVAILABLE goes out.
 */
export async function submitWithRetry(
  contract: ProposalMaker,
  fn: string,
  args: string[],
  retry: { attempts?: number; backoffMs?: number } = {},
  options: SubmitOptions = {},
  metrics?: FabricMetrics,
): Promise<SubmitResult> {
  const attempts = retry.attempts ?? 4;
  let backoff = retry.backoffMs ?? 100;
  let txId = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let endorsed = false;
    let conflicted = false;
    try {
      const proposal = contract.newProposal(fn, {
        arguments: args,
        ...(options.transient !== undefined ? { transientData: options.transient } : {}),
        ...(options.endorsingOrganizations !== undefined ? { endorsingOrganizations: options.endorsingOrganizations } : {}),
      });
      txId = proposal.getTransactionId();
      const submitTimer = metrics?.submitSeconds.startTimer({ transaction: fn });
      const transaction = await proposal.endorse(options.endorseDeadlineMs !== undefined ? { deadline: Date.now() + options.endorseDeadlineMs } : undefined);
      endorsed = true;
      const result = transaction.getResult();
      const submitted = await transaction.submit();
      submitTimer?.();
      const commitTimer = metrics?.commitSeconds.startTimer({ transaction: fn });
      const status = await submitted.getStatus();
      commitTimer?.();
      if (status.successful) return { result: parseResult(result), txId, blockNumber: status.blockNumber };
      if (status.code !== MVCC_READ_CONFLICT && status.code !== PHANTOM_READ_CONFLICT) {
        throw new GridLedgerError(ErrorCodes.INTERNAL, `transaction ${txId} was invalidated at commit`, {
          txId,
          validationCode: status.code,
        });
      }
      conflicted = true;
    } catch (e) {
      const error = fromFabricError(e);
      if (txId && error.details.txId === undefined) error.details.txId = txId;
      const endorsementAborted = !endorsed && error.code === ErrorCodes.LEDGER_UNAVAILABLE && error.details.grpcCode === GrpcStatus.ABORTED;
      if (!endorsementAborted || attempt >= attempts) throw error;
    }
    if (attempt < attempts) {
      if (conflicted) metrics?.mvccRetries.inc({ transaction: fn });
      // Jitter spreads the retries of transactions that conflicted with each other.
      await sleep(backoff + Math.floor(Math.random() * backoff));
      backoff *= 2;
    }
  }
  throw new GridLedgerError(ErrorCodes.TRANSACTION_CONFLICT, `read conflicts in ${attempts} attempts; retry with the same ids`, {
    txId,
    attempts,
  });
}
