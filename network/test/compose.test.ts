/**
 * docker-compose.yaml cannot run on the build machine (no Docker), so this keeps it consistent with
 * the native network instead: every service's ports, MSP ids, environment and paths are compared
 * with what network/src gives the native processes, the image tags with the pinned releases.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chaincodeTlsHomes, packageFile, packageLabel } from '../src/chaincode';
import { adminHome, caHome, caRoot, Layout, ordererEnv, ordererHome, ordererNodes, peerEnv, peerHome } from '../src/fabric';
import { mosquittoConfig } from '../src/broker';
import { bridgePort, CHANNEL, MSP_IDS, mqttPort, ORGS, orgPorts } from '../src/profile';

// js-yaml comes with jest (no type declarations of its own here); 3.x names its safe loader safeLoad.
const yaml = createRequire(__filename)('js-yaml') as { safeLoad(text: string): unknown };

const REPO = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  network_mode?: string;
  ports?: unknown;
  volumes?: string[];
  environment?: Record<string, string>;
  command?: string | string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
const compose = yaml.safeLoad(read('docker-compose.yaml')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const service = (name: string): Service => {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yaml has no service ${name}`);
  return s;
};

/** What Compose makes of a value when no variable is set in the environment: `$$` is `$`, `${X:-d}` is X or d. */
const interpolate = (value: string) =>
  value.replace(/\$\$|\$\{(\w+):-([^}]*)\}/g, (m, name?: string, fallback?: string) =>
    m === '$$' ? '$' : process.env[name!] || fallback!,
  );
const commandOf = (s: Service) => interpolate(Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? ''));
const envOf = (s: Service) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));

/** Where the `state` volume is mounted: the state directory the network code writes in init. */
const STATE = (service('init').volumes ?? []).find((v) => v.startsWith('state:'))!.slice('state:'.length);
/** The repository's place in the images (docker/Dockerfile and chaincode/Dockerfile): REPO_ROOT for the network code there. */
const workdir = (dockerfile: string) => [...read(dockerfile).matchAll(/^WORKDIR (\S+)$/gm)].pop()![1];

/** The native network's layout on a scratch state directory, its paths rewritten to the containers' state directory. */
const scratch = mkdtempSync(join(tmpdir(), 'gl-compose-'));
const layout: Layout = { stateDir: scratch, binDir: '/unused', offset: 0, consensus: 'raft' };
const inContainer = (path: string) => path.split(scratch).join(STATE);
const KEY = 'key_sk';
for (const home of [
  ...ORGS.flatMap((o) => [peerHome(layout, o), chaincodeTlsHomes.server(layout, o)]),
  ...ordererNodes(layout).map((n) => ordererHome(layout, n)),
]) {
  mkdirSync(join(home, 'tls', 'keystore'), { recursive: true });
  writeFileSync(join(home, 'tls', 'keystore', KEY), '');
}
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A native node's environment against a service's: every variable with the same value, except the
 * TLS keys, whose file name (<SKI>_sk) only the enrollment knows; the service's command exports those
 * from the one file in the same keystore folder.
 */
function expectSameEnvironment(s: Service, native: Record<string, string>, binary: string): void {
  const keys = Object.entries(native).filter(([, v]) => v.endsWith(`/keystore/${KEY}`));
  const plain = Object.fromEntries(
    Object.entries(native)
      .filter(([, v]) => !v.endsWith(`/keystore/${KEY}`))
      .map(([k, v]) => [k, inContainer(v)]),
  );
  expect(envOf(s)).toEqual(plain);
  expect(keys.length).toBeGreaterThan(0);
  const dirs = new Set(keys.map(([, v]) => inContainer(dirname(v))));
  expect(dirs.size).toBe(1);
  const exported = keys.map(([k]) => `${k}=$key`).join(' ');
  expect(commandOf(s)).toBe(`sh -c key=$(ls -d ${[...dirs][0]}/*) && export ${exported} && exec ${binary}`);
}

describe('docker-compose.yaml matches the native network (compose)', () => {
  test('images: Fabric as network/fabric-release pins it, Fabric CA as network/go.mod does', () => {
    const fabric = /^# fabric-release: *(\S+)$/m.exec(read('network/fabric-release'))![1];
    const ca = /github\.com\/hyperledger\/fabric-ca v(\S+)/.exec(read('network/go.mod'))![1];
    for (const org of ORGS) {
      expect(service(`peer-${org}`).image).toBe(`hyperledger/fabric-peer:${fabric}`);
      expect(service(`orderer-${org}`).image).toBe(`hyperledger/fabric-orderer:${fabric}`);
      expect(service(`ca-${org}`).image).toBe(`hyperledger/fabric-ca:${ca}`);
    }
    for (const [name, s] of Object.entries(services)) {
      if (s.build)
        expect({ name, exists: readFileSync(join(REPO, s.build.context, s.build.dockerfile)).length > 0 }).toEqual({ name, exists: true });
    }
  });

  test('one service per native node, on the host network like the native processes, publishing nothing', () => {
    const nodes = [
      ...ORGS.flatMap((o) => [`ca-${o}`, `peer-${o}`, `chaincode-${o}`, `gateway-${o}`]),
      ...ordererNodes(layout).map((n) => n.name.replace('.', '-')),
      'init',
      'mosquitto',
      'bridge',
    ];
    expect(Object.keys(services).sort()).toEqual(nodes.sort());
    for (const [name, s] of Object.entries(services)) {
      expect({ name, network: s.network_mode, ports: s.ports }).toEqual({ name, network: 'host', ports: undefined });
      if (name !== 'init')
        expect({ name, after: s.depends_on?.init?.condition }).toEqual({ name, after: 'service_completed_successfully' });
    }
  });

  test('the image installs every workspace: each package.json is copied before npm ci', () => {
    const dockerfile = read('docker/Dockerfile');
    const beforeCi = dockerfile.slice(0, dockerfile.indexOf('RUN npm ci'));
    const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
    for (const w of workspaces) expect({ w, copied: beforeCi.includes(`COPY ${w}/package.json ${w}/`) }).toEqual({ w, copied: true });
  });

  test('init prepares the state with the native network code, in the state volume', () => {
    expect(service('init').build?.dockerfile).toBe('docker/Dockerfile');
    expect(commandOf(service('init'))).toContain(
      `node network/dist/cli.js up --state ${STATE} && node network/dist/cli.js down --state ${STATE}`,
    );
    expect(Object.keys(compose.volumes)).toContain('state');
  });

  test('orderers (Raft, channel participation API): the environment ordererEnv gives the native process', () => {
    const nodes = ordererNodes(layout);
    expect(nodes).toHaveLength(3);
    for (const n of nodes) expectSameEnvironment(service(n.name.replace('.', '-')), ordererEnv(layout, n), 'orderer');
  });

  test(
    'peers: the environment peerEnv gives the native process, our ' + 'CCaaS builder where core.yaml names it, ready once on the channel',
    () => {
      for (const org of ORGS) {
        const s = service(`peer-${org}`);
        expectSameEnvironment(s, peerEnv(layout, org), 'peer node start');
        // init writes core.yaml with <REPO_ROOT>/network/builder (up.ts), REPO_ROOT being the image's WORKDIR.
        expect(s.volumes).toContain(`./network/builder:${workdir('docker/Dockerfile')}/network/builder:ro`);
        expect(s.volumes).toContain(`state:${STATE}`);
        expect(s.healthcheck?.test).toEqual([
          'CMD-SHELL',
          `CORE_PEER_MSPCONFIGPATH=${inContainer(join(adminHome(layout, org), 'msp'))} peer channel getinfo -c ${CHANNEL}`,
        ]);
      }
    },
  );

  test('CAs: the native fabric-ca-server arguments, ports and home', () => {
    for (const org of ORGS) {
      const p = orgPorts(org);
      const s = service(`ca-${org}`);
      expect(commandOf(s)).toBe(
        `fabric-ca-server start --home ${inContainer(caHome(layout, org))} --ca.name ca-${org} --address 127.0.0.1 --port ${p.ca} ` +
          `--tls.enabled --csr.hosts 127.0.0.1,localhost`,
      );
      expect(envOf(s)).toEqual({ FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS: `127.0.0.1:${p.caOperations}` });
    }
  });

  test('chaincode servers: one per organization, the package id of its installed package, its port, TLS and MSP id', () => {
    const root = workdir('chaincode/Dockerfile');
    for (const org of ORGS) {
      const s = service(`chaincode-${org}`);
      expect(s.build?.dockerfile).toBe('chaincode/Dockerfile');
      const tls = inContainer(join(chaincodeTlsHomes.server(layout, org), 'tls'));
      expect(commandOf(s)).toBe(
        [
          'sh -c exec node node_modules/fabric-shim/cli.js server',
          `--chaincode-address 127.0.0.1:${orgPorts(org).chaincodeServer}`,
          `--chaincode-id ${packageLabel(org)}:$(sha256sum ${inContainer(packageFile(layout, org))} | cut -d' ' -f1)`,
          `--module-path ${root}/chaincode`,
          `--chaincode-tls-cert-file ${tls}/signcerts/cert.pem`,
          `--chaincode-tls-key-file $(ls -d ${tls}/keystore/*)`,
          `--chaincode-tls-client-cacert-file ${inContainer(caRoot(layout, org))}`,
        ].join(' '),
      );
      expect(envOf(s)).toEqual({ CORE_PEER_LOCALMSPID: MSP_IDS[org], NODE_ENV: 'production' });
    }
  });

  test('gateways on their native ports, the bridge and Mosquitto on the native MQTT port', () => {
    for (const org of ORGS) {
      const s = service(`gateway-${org}`);
      expect(commandOf(s)).toBe(`node gateway-api/dist/main.js --state ${STATE} --org ${org}`);
      expect(s.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${orgPorts(org).gateway}/api/v1/health`);
    }
    expect(commandOf(service('bridge'))).toBe(`node device-bridge/dist/main.js --state ${STATE}`);
    // The broker runs the configuration `up` wrote into the state (network/src/broker.ts), whose listener is the native port.
    expect(commandOf(service('mosquitto'))).toBe(`mosquitto -c ${STATE}/broker/mosquitto.conf`);
    expect(service('mosquitto').image).toBe('gridledger/node:local');
    expect(mosquittoConfig({ port: mqttPort(), dir: `${STATE}/broker`, plugin: 'p' })).toMatch(
      new RegExp(`^listener ${mqttPort()} 127\\.0\\.0\\.1$`, 'm'),
    );
  });

  test('every port in the file is a native port, and every native port (Raft) is in the file', () => {
    const text = read('docker-compose.yaml').replace(/^\s*#.*$/gm, '');
    const found = new Set(
      [...text.matchAll(/(?:127\.0\.0\.1|localhost):(\d+)|--port, "(\d+)"|LISTENPORT: "(\d+)"/g)].map((m) => Number(m[1] ?? m[2] ?? m[3])),
    );
    found.add(mqttPort()); // the broker's listener, from the state's configuration (test above)
    const native = new Set([
      // The BFT option's second utility orderer has no service here: the file is the Raft network.
      ...ORGS.flatMap((o) =>
        Object.entries(orgPorts(o))
          .filter(([k]) => !k.startsWith('bft'))
          .map(([, port]) => port),
      ),
      mqttPort(),
      bridgePort(),
    ]);
    expect([...found].sort()).toEqual([...native].sort());
  });
});
