/**
 * The BFT option of the network script (`--bft`): four SmartBFT orderers (the utility runs two),
 * which tolerate one faulty node. The main suite runs on Raft; this file starts its own small
 * network (no gateways, no broker) on a leased port offset (the e2e platform holds +20000) because
 * the consensus is fixed when the channel is created, so the one shared platform cannot show both.
 * (It used +25000 once: ports 32050-34073, which the kernel also hands out to outgoing connections,
 * and a client socket in TIME-WAIT on 34052 then kept the regulator's peer from starting.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { down, layoutOf, upNetwork } from '../src/up';
import { bftBlockValidation, ordererEnv, ordererNodes, logFile } from '../src/fabric';
import { ledgerClient } from '../src/ledger';
import { startProcess, stopProcess, waitHealthy } from '../src/proc';
import { NetworkProfile } from '../src/profile';
import { leasePortOffset, OffsetLease, RUN_OFFSETS } from '../src/port-lease';

jest.setTimeout(240_000);

let lease: OffsetLease;
let offset: number;
let stateDir: string;
let profile: NetworkProfile;

beforeAll(async () => {
  lease = await leasePortOffset(RUN_OFFSETS);
  offset = lease.offset;
  stateDir = mkdtempSync(join(tmpdir(), 'gl-bft-'));
  profile = await upNetwork({ stateDir, offset, consensus: 'bft', log: () => undefined });
  // A second network of its own, started while end-to-end files may be running (test/e2e/sequencer.js).
}, 180_000);

afterAll(async () => {
  if (stateDir) await down(stateDir, { purge: true, log: () => undefined });
  lease?.release();
});

it('the block validation policy asks for a BFT quorum of the orderers: 3 of 4', () => {
  const nodes = ordererNodes(layoutOf({ stateDir, offset, consensus: 'bft' }));
  expect(nodes.map((n) => n.name).sort()).toEqual(['orderer.community', 'orderer.regulator', 'orderer.utility', 'orderer2.utility']);
  expect(bftBlockValidation(nodes)).toEqual({
    Type: 'Signature',
    Rule: "OutOf(3, 'UtilityMSP.orderer', 'CommunityMSP.orderer', 'RegulatorMSP.orderer', 'UtilityMSP.orderer')",
  });
});

it('commits transactions on four SmartBFT orderers, and still with one of them stopped', async () => {
  const client = ledgerClient(profile, 'community', profile.orgs.community.users['community-operator']);
  try {
    // submit() waits for the commit status and throws unless the transaction committed as valid.
    const committed = async () => {
      const { result, txId } = await client.submit('system:noop');
      expect(JSON.parse(result)).toEqual({ ok: true, txId });
      return txId;
    };
    const txIds = [await committed()];
    const l = layoutOf({ stateDir, offset, consensus: 'bft' });
    const node = ordererNodes(l).find((n) => n.name === 'orderer.regulator')!;
    const pidFile = join(stateDir, 'pids', `${node.name}.pid`);
    expect(await stopProcess(pidFile)).toBe(true);
    try {
      // f = 1: three of four consenters still order and sign blocks.
      for (let i = 0; i < 3; i++) txIds.push(await committed());
    } finally {
      const pid = await startProcess({
        name: node.name,
        command: join(l.binDir, 'orderer'),
        args: [],
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...ordererEnv(l, node) },
        pidFile,
        logFile: logFile(l, node.name),
      });
      await waitHealthy(node.name, `http://127.0.0.1:${node.operationsPort}/healthz`, pid, logFile(l, node.name));
    }
    txIds.push(await committed());
    expect(new Set(txIds).size).toBe(5);
  } finally {
    client.close();
  }
});
