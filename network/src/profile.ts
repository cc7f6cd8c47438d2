import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The running network as `up` describes it for the parts that connect to it (gateways, device
 * bridge, tests, benchmarks): written to `<stateDir>/network.json` once every node is ready.
 */

export const ORGS = ['utility', 'community', 'regulator'] as const;
export type OrgName = (typeof ORGS)[number];

export const MSP_IDS: Record<OrgName, string> = {
  utility: 'UtilityMSP',
  community: 'CommunityMSP',
  regulator: 'RegulatorMSP',
};

export const CHANNEL = 'energy';
export const CHAINCODE = 'gridledger';

/** One enrolled identity in an organization's wallet. */
export interface WalletUser {
  /** The CA enrollment id, also the key of this entry. */
  id: string;
  mspId: string;
  /** gl.role and gl.id from the certificate; absent for the organization's admin. */
  role?: string;
  participantId?: string;
  /** gl.agent=true: the participant's trading agent (its certificate says so; docs/security.md, *Agent identities*). */
  agent?: true;
  certPath: string;
  keyPath: string;
}

export interface OrgProfile {
  name: OrgName;
  mspId: string;
  peer: {
    /** host:port of the peer's gRPC endpoint (Gateway service). */
    endpoint: string;
    /** TLS server name the peer's certificate holds. */
    hostAlias: string;
    /** The organization's TLS CA root, to verify the peer. */
    tlsRootCertPath: string;
    /** http://127.0.0.1:<port>, with /healthz. */
    operationsUrl: string;
  };
  ca: {
    url: string;
    name: string;
    /** The CA's root certificate (also its TLS root). */
    rootCertPath: string;
    /** fabric-ca-client home of the CA's bootstrap registrar (enrolled), for run-time onboarding. */
    registrarHome: string;
  };
  gateway: { port: number; url: string };
  /** Enrolled identities by id: the org admin and the demo users. */
  users: Record<string, WalletUser>;
}

export interface NetworkProfile {
  fabricVersion: string;
  channel: string;
  chaincode: string;
  stateDir: string;
  binDir: string;
  consensus: 'raft' | 'bft';
  orgs: Record<OrgName, OrgProfile>;
  orderers: { name: string; org: OrgName; endpoint: string; adminEndpoint: string; operationsUrl: string }[];
  /** The community's broker: mqtts:// URL, the CA certificate that signed its TLS certificate, the community its topics name. */
  mqtt: { url: string; caCertPath: string; communityId: string };
  /** The device bridge's own HTTP listener: GET /metrics, /health/live, /health/ready. */
  bridge: { port: number; url: string };
}

/** Where a state directory keeps its profile. */
export const profilePath = (stateDir: string) => join(stateDir, 'network.json');

export function loadProfile(stateDir: string): NetworkProfile {
  return JSON.parse(readFileSync(profilePath(stateDir), 'utf8')) as NetworkProfile;
}

/**
 * Ports on 127.0.0.1, per organization from a base (utility 7000, community 8000, regulator 9000)
 * plus an offset for the whole network, so that a test network (offset 20000) and a development one
 * can run side by side. Gateways use the architecture's 8080/8081/8082 (plus the offset).
 */
export function orgPorts(org: OrgName, offset = 0) {
  const base = { utility: 7000, community: 8000, regulator: 9000 }[org] + offset;
  return {
    orderer: base + 50,
    peer: base + 51,
    peerChaincode: base + 52,
    ordererAdmin: base + 53,
    ca: base + 54,
    chaincodeServer: base + 55,
    peerOperations: base + 60,
    ordererOperations: base + 61,
    caOperations: base + 62,
    /** A second orderer node, used only by the BFT option (4 nodes). */
    bftOrderer: base + 70,
    bftOrdererAdmin: base + 73,
    bftOrdererOperations: base + 71,
    gateway: { utility: 8080, community: 8081, regulator: 8082 }[org] + offset,
  };
}

export const mqttPort = (offset = 0) => 1883 + offset;

/** The device bridge's metrics and health listener: beside the community's operations ports (pprof is 63). */
export const bridgePort = (offset = 0) => 8064 + offset;
