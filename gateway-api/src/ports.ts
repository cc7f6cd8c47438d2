import type { SubmitOptions } from '@gridledger/fabric-client';
import { silentLogger, type Logger, type WalletUser } from '@gridledger/network';

/**
 * What the HTTP layer needs from the outside world. main.ts wires the real ones (Fabric, the CA,
 * files under the state directory); tests use in-memory fakes.
 */

/** A committed (or evaluated) chaincode result, parsed from its JSON text. */
export interface SubmitResult {
  result: unknown;
  txId: string;
  blockNumber?: bigint;
}

/** One chaincode event of the gridledger chaincode. */
export interface LedgerEvent {
  blockNumber: bigint;
  txId: string;
  name: string;
  payload: Uint8Array;
}

export interface EventStream extends AsyncIterable<LedgerEvent> {
  close(): void;
}

export interface PeerStatus {
  ok: boolean;
  /** Why not, when not ok. */
  reason?: string;
}

/** For transactions that write private data: transient fields (never on the channel) and who may endorse. */
export type { SubmitOptions };

/** Where an evaluation runs: a peer of one of these organizations (MSP ids) instead of the gateway's own. */
export interface EvaluateOptions {
  endorsingOrganizations?: string[];
}

export interface LedgerPort {
  /** Evaluates `fn` (e.g. `registry:getMeter`) as `user`, at its organization's peer or one of `options`'; throws a GridLedgerError. */
  evaluate(user: WalletUser, fn: string, args: string[], options?: EvaluateOptions): Promise<unknown>;
  /** Endorses, submits and waits for the commit; retries MVCC conflicts; throws a GridLedgerError. */
  submit(user: WalletUser, fn: string, args: string[], options?: SubmitOptions): Promise<SubmitResult>;
  /** Chaincode events from `startBlock` on (or from the next block), read as `user`. */
  chaincodeEvents(user: WalletUser, startBlock?: bigint): Promise<EventStream>;
  /** The channel's block height. */
  blockHeight(): Promise<bigint>;
  /** The number of the block holding a committed transaction (qscc GetBlockByTxID); throws a GridLedgerError. */
  transactionBlock?(txId: string): Promise<bigint>;
  /** The peer's own health (operations /healthz). */
  peerStatus(): Promise<PeerStatus>;
  close(): void;
}

export interface CaRegistration {
  id: string;
  secret: string;
  role: string;
  type?: 'client';
  /** gl.id when it differs from the enrollment id (an agent acts for its owner). */
  participantId?: string;
  /** gl.agent=true in its certificates. */
  agent?: boolean;
}

export interface CaEnrollment {
  certPath: string;
  keyPath: string;
}

/** The organization's CA, as onboarding uses it. Throws GridLedgerErrors (PARTICIPANT_EXISTS, CA_REQUEST_FAILED). */
export interface CaPort {
  register(identity: CaRegistration): Promise<void>;
  enroll(id: string, secret: string, home: string): Promise<CaEnrollment>;
  /** Removes the identity and revokes its certificates (undoing an onboarding the ledger refused). */
  remove(id: string): Promise<void>;
}

/** The identities the gateway holds: the profile's users and those onboarded at run time. */
export interface Wallet {
  get(userId: string): WalletUser | undefined;
  put(user: WalletUser): void;
  remove(userId: string): void;
}

/** The platform's one JSON logger (pino, network/src/log.ts). */
export { silentLogger, type Logger };
