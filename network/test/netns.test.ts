import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { performance } from 'node:perf_hooks';
import { hostsFile, linkAddress, netPlan, orgHost, orgPairs } from '../src/netns';
import { LinksApi, linksOf, toxiproxyBinary } from '../src/links';
import { ORGS } from '../src/profile';

describe('the namespace plan', () => {
  const plan = netPlan(30000, true);

  it('gives each organization its namespace, address and host name, all named after the offset', () => {
    expect(plan.bridge).toBe('glbr30');
    expect(ORGS.map((o) => [plan.orgs[o].ns, plan.orgs[o].address, plan.orgs[o].hostName])).toEqual([
      ['glns30-utility', '10.77.30.1', 'utility.gl30.test'],
      ['glns30-community', '10.77.30.2', 'community.gl30.test'],
      ['glns30-regulator', '10.77.30.3', 'regulator.gl30.test'],
    ]);
    // Interface names are at most 15 characters.
    for (const o of ORGS) expect(plan.orgs[o].veth.length + 1).toBeLessThanOrEqual(15);
  });

  it('resolves the own name to the own address and the others to the links that lead there', () => {
    expect(hostsFile(plan, 'community')).toBe(
      '127.0.0.1 localhost\n10.77.30.110 utility.gl30.test\n10.77.30.2 community.gl30.test\n10.77.30.112 regulator.gl30.test\n',
    );
    expect(hostsFile(netPlan(30000, false), 'community')).toContain('10.77.30.1 utility.gl30.test');
    expect(new Set(orgPairs().map(([a, b]) => linkAddress(plan, a, b))).size).toBe(6);
  });

  it('has a link per direction and port, to the target organization’s address', () => {
    const links = linksOf(plan, () => ({ orderer: 37050, peer: 37051 }));
    expect(links).toHaveLength(12);
    expect(links.find((l) => l.name === 'regulator-utility-peer')).toEqual({
      name: 'regulator-utility-peer',
      from: 'regulator',
      to: 'utility',
      listen: '10.77.30.120:37051',
      upstream: '10.77.30.1:37051',
    });
  });

  it('leaves the default on loopback', () => {
    expect(orgHost(undefined, 'utility')).toMatchObject({ listen: '127.0.0.1', name: 'localhost', reach: '127.0.0.1' });
    expect(orgHost(plan, 'regulator').tlsHosts).toEqual(['regulator.gl30.test', '10.77.30.3', 'localhost', '127.0.0.1']);
  });
});

/** A free port on 127.0.0.1 (taken and given back at once). */
async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  s.close();
  return port;
}

/** One request-response round trip of `bytes` through host:port to the echo server; its duration in ms. */
async function roundTrip(port: number, bytes = 16): Promise<number> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  const start = performance.now();
  socket.write(Buffer.alloc(bytes, 1));
  let got = 0;
  for await (const chunk of socket) {
    got += (chunk as Buffer).length;
    if (got >= bytes) break;
  }
  socket.destroy();
  return performance.now() - start;
}

describe('LinksApi against the pinned Toxiproxy', () => {
  let server: ChildProcess;
  let echo: Server;
  let api: LinksApi;
  let proxyPort: number;

  beforeAll(async () => {
    echo = createServer((s) => s.pipe(s)).listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const apiPort = await freePort();
    proxyPort = await freePort();
    server = spawn(toxiproxyBinary(), ['-host', '127.0.0.1', '-port', String(apiPort)], { stdio: 'ignore' });
    api = new LinksApi(`http://127.0.0.1:${apiPort}`);
    for (let i = 0; i < 100; i++) {
      if (
        await api.proxies().then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const upstream = `127.0.0.1:${(echo.address() as AddressInfo).port}`;
    await api.call('POST', '/proxies', { name: 'utility-community-peer', listen: `127.0.0.1:${proxyPort}`, upstream, enabled: true });
  }, 120_000);

  afterAll(() => {
    server?.kill();
    echo?.close();
  });

  it('adds latency each way, limits bandwidth, cuts an organization off and restores it', async () => {
    const before = await roundTrip(proxyPort);
    await api.latency(40);
    const slowed = await roundTrip(proxyPort);
    expect(slowed).toBeGreaterThanOrEqual(80);
    expect(slowed).toBeGreaterThan(before);
    await api.reset();
    await api.bandwidth(50); // KB/s: 100 KB take about two seconds
    expect(await roundTrip(proxyPort, 100_000)).toBeGreaterThan(1500);
    await api.reset();
    expect(await api.cut('community')).toEqual(['utility-community-peer']);
    await expect(roundTrip(proxyPort)).rejects.toThrow(/ECONNREFUSED/);
    await api.cut('community', false);
    expect(await roundTrip(proxyPort)).toBeGreaterThan(0);
  }, 60_000);
});
