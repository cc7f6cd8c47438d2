/**
 * Faults of single nodes: Raft tolerates one orderer of three; a peer that is down makes its own
 * organization's gateway unhealthy with a reason, while the others go on.
 *
 * @e2e-alone
 */
import { join } from 'node:path';
import { api, eventually, newProsumerWithMeter, operatorKey, readingSeries, stateDir } from './support';
import { layoutOf } from '@gridledger/network/dist/up';
import { ordererEnv, ordererNodes, peerEnv, logFile } from '@gridledger/network/dist/fabric';
import { startProcess, stopProcess, waitHealthy } from '@gridledger/network';

const pidFile = (name: string) => join(stateDir(), 'pids', `${name}.pid`);
const layout = () => layoutOf({ stateDir: stateDir(), offset: Number(process.env.GRIDLEDGER_TEST_OFFSET) });

async function restartNode(
  name: string,
  binary: string,
  args: string[],
  env: Record<string, string>,
  operationsUrl: string,
): Promise<void> {
  const l = layout();
  const pid = await startProcess({
    name,
    command: join(l.binDir, binary),
    args,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    pidFile: pidFile(name),
    logFile: logFile(l, name),
  });
  await waitHealthy(name, `${operationsUrl}/healthz`, pid, logFile(l, name));
}

it('with one orderer node stopped, transactions still commit', async () => {
  const l = layout();
  const node = ordererNodes(l).find((n) => n.org === 'regulator')!;
  const meter = await newProsumerWithMeter();
  expect(await stopProcess(pidFile(node.name))).toBe(true);
  try {
    const res = await api('community', operatorKey(), 'POST', '/readings', { readings: readingSeries(meter, 2) });
    expect(res.status).toBe(200);
    expect((res.body.results as { status: string }[]).map((r) => r.status)).toEqual(['accepted', 'accepted']);
  } finally {
    await restartNode(node.name, 'orderer', [], ordererEnv(l, node), `http://127.0.0.1:${node.operationsPort}`);
  }
});

it('with the regulator peer stopped, the regulator gateway reports itself unhealthy with a reason and the others go on', async () => {
  const l = layout();
  expect(await stopProcess(pidFile('peer.regulator'))).toBe(true);
  try {
    const regulator = await api('regulator', undefined, 'GET', '/health');
    expect(regulator.status).toBe(503);
    expect(JSON.stringify(regulator.body)).toMatch(/peer/i);
    const community = await api('community', undefined, 'GET', '/health');
    expect(community.status).toBe(200);
    // Two of three organizations still make a majority for endorsement.
    const meter = await newProsumerWithMeter();
    const res = await api('community', operatorKey(), 'POST', '/readings', { readings: readingSeries(meter, 1) });
    expect(res.status).toBe(200);
    expect(res.body.results[0].status).toBe('accepted');
  } finally {
    const env = peerEnv(l, 'regulator');
    await restartNode('peer.regulator', 'peer', ['node', 'start'], env, `http://${env.CORE_OPERATIONS_LISTENADDRESS}`);
  }
  // The gateway's connection to the restarted peer comes back by itself.
  const back = await eventually(
    async () => ((await api('regulator', undefined, 'GET', '/health')).status === 200 ? 'healthy' : undefined),
    60_000,
  );
  expect(back).toBe('healthy');
});
