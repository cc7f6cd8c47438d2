/**
 * A consortium across network boundaries (docs/consortium.md): a Fabric network of its own with each
 * organization's nodes in a network namespace of its own, on addresses that are not loopback, every
 * orderer and peer connection between organizations through Toxiproxy. With 30 ms added each way a
 * transaction takes longer; with the regulator cut off for a minute, Raft keeps two orderers of
 * three and two peers endorse, so every transaction goes on committing; once restored the cut peer
 * reaches the others' height with the same last block, and holds every transaction of the cut.
 * Needs root and several minutes: runs only with GRIDLEDGER_NETNS_TESTS=1 (the bench runs the same
 * scenario always, as consortium.*).
 *
 * @e2e-alone
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chainTip, ledgerClient, LinksApi, linksApiUrl, loadPlan, ORGS, type NetworkProfile, type OrgName } from '@gridledger/network';
import { down, upNetwork } from '@gridledger/network/dist/up';
import { startOnFreeOffset, type OffsetLease } from '@gridledger/network/dist/port-lease';

const run = process.env.GRIDLEDGER_NETNS_TESTS === '1' ? describe : describe.skip;
const CUT_SECONDS = 60;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

run('a consortium in three network namespaces, linked through Toxiproxy', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'gl-netns-e2e-'));
  let lease: OffsetLease;
  let profile: NetworkProfile;
  let links: LinksApi;
  const submitter = (org: OrgName) =>
    ledgerClient(
      profile,
      org,
      Object.values(profile.orgs[org].users).find((u) => u.role)!,
    );

  beforeAll(async () => {
    const up = await startOnFreeOffset(
      (offset) => upNetwork({ stateDir, offset, netns: 'links', log: () => undefined }),
      () => down(stateDir, { purge: true, log: () => undefined }).then(() => undefined),
      // The nodes listen in namespaces of their own and nothing else starts: no port of the host's to lease.
      { fixed: 33000 },
    );
    lease = up.lease;
    profile = up.started;
    links = new LinksApi(linksApiUrl(loadPlan(stateDir)!));
  }, 300_000);

  afterAll(async () => {
    const plan = loadPlan(stateDir);
    await down(stateDir, { purge: true, log: () => undefined });
    lease?.release();
    if (!plan) return;
    // Nothing of the plan is left on the machine.
    const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const org of ORGS) expect(namespaces).not.toContain(plan.orgs[org].ns);
    expect(() => execFileSync('ip', ['link', 'show', plan.bridge], { stdio: 'ignore' })).toThrow();
  }, 120_000);

  it('runs each organization in its own namespace, on its own address, named as its TLS certificates say', () => {
    const plan = loadPlan(stateDir)!;
    for (const org of ORGS) {
      const o = plan.orgs[org];
      expect(profile.orgs[org].peer.endpoint).toMatch(new RegExp(`^${o.address.replace(/\./g, '\\.')}:`));
      expect(profile.orgs[org].peer.hostAlias).toBe(o.hostName);
      const pids = execFileSync('ip', ['netns', 'pids', o.ns], { encoding: 'utf8' }).trim().split('\n');
      const commands = pids.map((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
      expect(commands).toEqual(expect.arrayContaining(['orderer', 'peer', 'fabric-ca-serve']));
      const cert = join(stateDir, 'orgs', org, 'peer', 'tls', 'signcerts', 'cert.pem');
      const text = execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', cert], { encoding: 'utf8' });
      expect(text).toContain(`DNS:${o.hostName}`);
      expect(text).toContain(`IP Address:${o.address}`);
    }
  });

  it('adds 30 ms each way between organizations to a transaction', async () => {
    const client = submitter('community');
    const timed = async (n: number) => {
      const start = performance.now();
      for (let i = 0; i < n; i++) await client.submit('system:noop');
      return (performance.now() - start) / n;
    };
    try {
      await timed(3);
      const before = await timed(10);
      await links.latency(30);
      const after = await timed(10);
      // An endorsement from another organization's peer and the orderers' consensus each cross a link at least once.
      expect(after - before).toBeGreaterThan(60);
    } finally {
      client.close();
      await links.reset();
    }
  }, 120_000);

  it('goes on while the regulator is cut off for a minute; the regulator catches up with every transaction', async () => {
    await links.latency(30);
    const client = submitter('community');
    const txIds: string[] = [];
    try {
      const cut = await links.cut('regulator');
      expect(cut).toHaveLength(8); // to and from each of two organizations: orderer and peer
      const cutAt = performance.now();
      while (performance.now() - cutAt < CUT_SECONDS * 1000) {
        txIds.push((await client.submit('system:noop')).txId);
        await sleep(1000);
      }
      const others = await chainTip(profile, 'utility');
      const cutOff = await chainTip(profile, 'regulator');
      expect(cutOff.height).toBeLessThan(others.height);
      await links.cut('regulator', false);
      const restoredAt = performance.now();
      for (;;) {
        const tips = await Promise.all(ORGS.map((org) => chainTip(profile, org)));
        if (tips.every((t) => t.height === tips[0].height && t.tip === tips[0].tip)) break;
        if (performance.now() - restoredAt > 180_000) throw new Error(`not caught up: ${tips.map((t) => t.height).join(', ')}`);
        await sleep(500);
      }
    } finally {
      client.close();
      await links.reset();
    }
    expect(txIds.length).toBeGreaterThan(CUT_SECONDS / 5);
    const regulator = ledgerClient(profile, 'regulator', profile.orgs.regulator.users['regulator-admin']);
    try {
      const qscc = regulator.gateway.getNetwork(profile.channel).getContract('qscc');
      for (const txId of txIds) await qscc.evaluateTransaction('GetTransactionByID', profile.channel, txId);
    } finally {
      regulator.close();
    }
  }, 420_000);
});
