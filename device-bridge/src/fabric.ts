import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { checkpointers, connect, GatewayError, hash, signers, StatusCode, type Checkpointer, type Contract, type Gateway } from '@hyperledger/fabric-gateway';
import { CONSUMPTION_MEMBERS, decodeErrorEnvelope, ErrorCodes, GridLedgerError, validateMeteringParams, type MeteringParams, type SignedReading } from '@gridledger/core';
import { ChaincodeError, parseSubmitOutcome, type LedgerSubmitter, type SubmitOutcome } from './ledger';
import { nodeP256Signer } from './signer';

export interface FabricConnection {
  /** host:port of the peer's Gateway service. */
  endpoint: string;
  /** TLS server name in the peer's certificate. */
  hostAlias: string;
  tlsRootCertPath: string;
  mspId: string;
  certPath: string;
  keyPath: string;
  channel: string;
  chaincode: string;
}

/** gRPC statuses that mean "the ledger is not reachable right now", not "your request is wrong". */
const TRANSIENT_GRPC = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.ABORTED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.CANCELLED,
  grpc.status.UNKNOWN,
]);

/**
 * Maps whatever fabric-gateway throws to a GridLedgerError. A chaincode error reaches us only as
 * text, in the error's message or in the endorsing peers' details: the envelope there carries
 * the stable code. Without one, the gRPC status decides between LEDGER_UNAVAILABLE and INTERNAL.
 */
export function ledgerErrorOf(error: unknown): GridLedgerError {
  if (error instanceof GridLedgerError) return error;
  const texts: string[] = [];
  if (error instanceof Error) texts.push(error.message);
  if (error instanceof GatewayError) for (const d of error.details) texts.push(d.message);
  for (const text of texts) {
    const decoded = decodeErrorEnvelope(text);
    if (decoded) return ChaincodeError.of(decoded);
  }
  const grpcCode = typeof (error as { code?: unknown })?.code === 'number' ? (error as { code: number }).code : undefined;
  const message = texts.join('; ') || String(error);
  if (grpcCode !== undefined && TRANSIENT_GRPC.has(grpcCode)) {
    return new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, message, { grpcCode });
  }
  return new GridLedgerError(ErrorCodes.INTERNAL, message, grpcCode === undefined ? {} : { grpcCode });
}

/**
 * The Fabric shell of the bridge: one gRPC TLS connection to the community peer's Gateway
 * service, `metering:submitReadings` with the readings as one JSON array in the transient field
 * `readings` (household import never reaches a block) and endorsed by the household-consumption
 * collection's members only, `submitAsync` then `getStatus()` so the answer counts only once the
 * transaction is committed and valid.
 */
export class FabricLedgerSubmitter implements LedgerSubmitter {
  private constructor(
    private readonly client: grpc.Client,
    private readonly gateway: Gateway,
    private readonly contract: Contract,
    private readonly channel: string,
  ) {}

  static async connect(c: FabricConnection): Promise<FabricLedgerSubmitter> {
    const [tlsRoot, cert, key] = await Promise.all([readFile(c.tlsRootCertPath), readFile(c.certPath), readFile(c.keyPath)]);
    const client = new grpc.Client(c.endpoint, grpc.credentials.createSsl(tlsRoot), {
      'grpc.ssl_target_name_override': c.hostAlias,
      'grpc.keepalive_time_ms': 60_000,
    });
    const privateKey = createPrivateKey(key);
    const fast = nodeP256Signer(privateKey);
    const gateway = connect({
      client,
      identity: { mspId: c.mspId, credentials: cert },
      ...(fast ? { signer: fast, hash: hash.none } : { signer: signers.newPrivateKeySigner(privateKey), hash: hash.sha256 }),
      evaluateOptions: () => ({ deadline: Date.now() + 5_000 }),
      endorseOptions: () => ({ deadline: Date.now() + 15_000 }),
      submitOptions: () => ({ deadline: Date.now() + 5_000 }),
      commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
    });
    const contract = gateway.getNetwork(c.channel).getContract(c.chaincode);
    return new FabricLedgerSubmitter(client, gateway, contract, c.channel);
  }

  async submitReadings(readings: SignedReading[]): Promise<SubmitOutcome> {
    try {
      const started = performance.now();
      const submitted = await this.contract.submitAsync('metering:submitReadings', {
        arguments: [''],
        transientData: { readings: JSON.stringify(readings) },
        endorsingOrganizations: [...CONSUMPTION_MEMBERS],
      });
      const txId = submitted.getTransactionId();
      const outcome = parseSubmitOutcome(JSON.parse(Buffer.from(submitted.getResult()).toString('utf8')), txId);
      const endorsed = performance.now();
      const status = await submitted.getStatus();
      const timings = { endorseMs: Math.round(endorsed - started), commitMs: Math.round(performance.now() - endorsed) };
      if (!status.successful) {
        const conflict = status.code === StatusCode.MVCC_READ_CONFLICT || status.code === StatusCode.PHANTOM_READ_CONFLICT;
        throw new GridLedgerError(
          conflict ? ErrorCodes.TRANSACTION_CONFLICT : ErrorCodes.INTERNAL,
          `transaction ${txId} committed as invalid (validation code ${status.code})`,
          { txId, validationCode: status.code },
        );
      }
      return { ...outcome, txId, timings };
    } catch (error) {
      throw ledgerErrorOf(error);
    }
  }

  async getMeteringParams(): Promise<MeteringParams> {
    try {
      return validateMeteringParams(JSON.parse(Buffer.from(await this.contract.evaluateTransaction('metering:getParams')).toString('utf8')));
    } catch (error) {
      throw ledgerErrorOf(error);
    }
  }

  /** The chaincode's events from the checkpoint in `checkpointFile` on (from the next block the first time). */
  async chaincodeEvents(checkpointFile: string): Promise<{ events: AsyncIterable<{ eventName: string; transactionId: string; payload: Uint8Array; blockNumber: bigint }> & { close(): void }; checkpointer: Checkpointer }> {
    const checkpointer = await checkpointers.file(checkpointFile);
    const network = this.gateway.getNetwork(this.channel);
    const events = await network.getChaincodeEvents(this.contract.getChaincodeName(), { checkpoint: checkpointer });
    return { events, checkpointer };
  }

  close(): void {
    this.gateway.close();
    this.client.close();
  }
}
