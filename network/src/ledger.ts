import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, Contract, Gateway, hash, signers } from '@hyperledger/fabric-gateway';
import { CHAINCODE, CHANNEL, NetworkProfile, OrgName, WalletUser } from './profile';

/**
 * A plain fabric-gateway client for one wallet identity: what `up` uses to probe the network and
 * to seed the demo participants, and what tests use to call the chaincode directly, bypassing the
 * REST gateway.
 */
export interface LedgerClient {
  submit(fn: string, ...args: string[]): Promise<{ result: string; txId: string }>;
  evaluate(fn: string, ...args: string[]): Promise<string>;
  readonly gateway: Gateway;
  readonly contract: Contract;
  close(): void;
}

/**
 * The peer's own limits (core.yaml peer.maxRecvMsgSize / maxSendMsgSize, 100 MB). grpc-js would
 * otherwise refuse any answer above 4 MB, and an endorsed transaction carries its whole write set:
 * the clearing of 10,000 orders in one transaction came back at 4.36 MB and was refused.
 */
export const GRPC_MESSAGE_LIMITS = { 'grpc.max_receive_message_length': 100 * 1024 * 1024, 'grpc.max_send_message_length': 100 * 1024 * 1024 } as const;

export function grpcClient(profile: NetworkProfile, org: OrgName): grpc.Client {
  const { peer } = profile.orgs[org];
  const credentials = grpc.credentials.createSsl(readFileSync(peer.tlsRootCertPath));
  return new grpc.Client(peer.endpoint, credentials, { 'grpc.ssl_target_name_override': peer.hostAlias, ...GRPC_MESSAGE_LIMITS });
}

export function ledgerClient(profile: NetworkProfile, org: OrgName, user: WalletUser, client = grpcClient(profile, org)): LedgerClient {
  const gateway = connect({
    client,
    identity: { mspId: user.mspId, credentials: readFileSync(user.certPath) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(user.keyPath))),
    hash: hash.sha256,
    evaluateOptions: () => ({ deadline: Date.now() + 15_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 30_000 }),
    submitOptions: () => ({ deadline: Date.now() + 15_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
  const contract = gateway.getNetwork(CHANNEL).getContract(CHAINCODE);
  const decoder = new TextDecoder();
  return {
    gateway,
    contract,
    async submit(fn, ...args) {
      const commit = await contract.submitAsync(fn, { arguments: args });
      const status = await commit.getStatus();
      if (!status.successful) throw new Error(`transaction ${status.transactionId} failed to commit with status code ${status.code}`);
      return { result: decoder.decode(commit.getResult()), txId: status.transactionId };
    },
    async evaluate(fn, ...args) {
      return decoder.decode(await contract.evaluateTransaction(fn, ...args));
    },
    close() {
      gateway.close();
      client.close();
    },
  };
}
