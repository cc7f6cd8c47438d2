import type { Contract, Gateway } from '@hyperledger/fabric-gateway';
import { FabricClient, type Deadlines } from '@gridledger/fabric-client';
import { common } from '@hyperledger/fabric-protos';
import { CHAINCODE, CHANNEL, NetworkProfile, OrgName, WalletUser } from './profile';

export { GRPC_MESSAGE_LIMITS } from '@gridledger/fabric-client';

/**
 * A plain client for one wallet identity on the Fabric client edge (@gridledger/fabric-client):
 * what `up` uses to probe the network and to seed the demo participants, and what tests use to
 * call the chaincode directly, bypassing the REST gateway. Results are the chaincode's text;
 * failures are GridLedgerErrors, as everywhere else.
 */
export interface LedgerClient {
  submit(fn: string, ...args: string[]): Promise<{ result: string; txId: string }>;
  evaluate(fn: string, ...args: string[]): Promise<string>;
  readonly gateway: Gateway;
  readonly contract: Contract;
  close(): void;
}

/** Longer than a service's: setting up waits for nodes that have just started. */
const SETUP_DEADLINES: Deadlines = { evaluate: 15_000, endorse: 30_000, submit: 15_000, commitStatus: 60_000 };

export function ledgerClient(profile: NetworkProfile, org: OrgName, user: WalletUser): LedgerClient {
  const fabric = new FabricClient({ peer: profile.orgs[org].peer, channel: CHANNEL, chaincode: CHAINCODE, deadlines: SETUP_DEADLINES });
  const decoder = new TextDecoder();
  return {
    gateway: fabric.gateway(user),
    contract: fabric.contract(user),
    async submit(fn, ...args) {
      const { result, txId } = await fabric.submit(user, fn, args);
      return { result: decoder.decode(result), txId };
    },
    async evaluate(fn, ...args) {
      return decoder.decode(await fabric.evaluate(user, fn, args));
    },
    close: () => fabric.close(),
  };
}

/**
 * The tip of an organization's peer's chain, from that peer (qscc, evaluated there): its height, the
 * hash of its last block's header (the same blocks) and that block's validation flags and commit
 * hash (the hash of the state updates: the same state), as hex. Two peers with equal tips hold the
 * same ledger; the orderers' signatures, which differ with the orderer a peer fetched from, are left out.
 */
export async function chainTip(profile: NetworkProfile, org: OrgName): Promise<{ height: number; tip: string }> {
  const client = ledgerClient(profile, org, profile.orgs[org].users[`${org}-admin`]);
  try {
    const qscc = client.gateway.getNetwork(profile.channel).getContract('qscc');
    const info = common.BlockchainInfo.deserializeBinary(await qscc.evaluateTransaction('GetChainInfo', profile.channel));
    const height = info.getHeight();
    const block = common.Block.deserializeBinary(await qscc.evaluateTransaction('GetBlockByNumber', profile.channel, String(height - 1)));
    const metadata = block.getMetadata()!.getMetadataList_asU8();
    const hex = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('hex');
    const commitHash = common.Metadata.deserializeBinary(metadata[common.BlockMetadataIndex.COMMIT_HASH]).getValue_asU8();
    const parts = [info.getCurrentblockhash_asU8(), metadata[common.BlockMetadataIndex.TRANSACTIONS_FILTER], commitHash];
    return { height, tip: parts.map(hex).join(':') };
  } finally {
    client.close();
  }
}
