import type { Contract, Gateway } from '@hyperledger/fabric-gateway';
import { FabricClient, type Deadlines } from '@gridledger/fabric-client';
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
 * The tip of an organization's peer's chain: its height (the peer's `ledger_blockchain_height`
 * metric) and its last block as that peer stores it (qscc, evaluated on that peer). Equal bytes on
 * two peers mean the same block with the same validation flags and commit hash (the hash of the
 * state updates), so the same state: how a peer that was cut off shows it has caught up.
 */
export async function chainTip(profile: NetworkProfile, org: OrgName): Promise<{ height: number; lastBlock: Buffer }> {
  const res = await fetch(`${profile.orgs[org].peer.operationsUrl}/metrics`);
  const metric = new RegExp(`^ledger_blockchain_height\\{[^}]*channel="${profile.channel}"[^}]*\\} (\\d+)$`, 'm').exec(await res.text());
  if (!metric) throw new Error(`peer.${org}: no ledger_blockchain_height for ${profile.channel}`);
  const height = Number(metric[1]);
  const client = ledgerClient(profile, org, profile.orgs[org].users[`${org}-admin`]);
  try {
    const qscc = client.gateway.getNetwork(profile.channel).getContract('qscc');
    const block = await qscc.evaluateTransaction('GetBlockByNumber', profile.channel, String(height - 1));
    return { height, lastBlock: Buffer.from(block) };
  } finally {
    client.close();
  }
}
