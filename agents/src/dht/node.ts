/**
 * A community DHT node: libp2p over TCP with noise and yamux, identify, ping and a Kademlia DHT
 * on the community's own protocol, so that the DHTs of two communities never mix, with the
 * validator and selector of the `/energy/...` records (record.ts). One node per home agent: its
 * key is the home agent's key (docs/agents.md, "Discovery (DHT)").
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { identify, type Identify } from '@libp2p/identify';
import type { Ed25519PrivateKey } from '@libp2p/interface';
import { kadDHT, passthroughMapper, type KadDHT, type Selectors, type Validators } from '@libp2p/kad-dht';
import { ping, type Ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { createLibp2p, type Libp2p, type Libp2pOptions } from 'libp2p';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { DhtMetrics } from './metrics.js';
import { RECORD_NAMESPACE, RecordRefused, selectNewest, verifyRecord } from './record.js';

export interface CommunityNodeOptions {
  communityId: string;
  /** The home agent's key; a new one when absent (tests, the bench). */
  privateKey?: Ed25519PrivateKey;
  /** Address to listen on; 127.0.0.1 by default. */
  host?: string;
  /** TCP port; 0 (any free one) by default. */
  port?: number;
  /** Nodes to connect to at start: `/ip4/…/tcp/…/p2p/…` addresses of the community's other agents. */
  bootstrap?: (string | Multiaddr)[];
  metrics?: DhtMetrics;
  /** kad-dht's query shape; DHT_QUERY by default (the bench compares others). */
  query?: DhtQueryShape;
}

/** How wide kad-dht's queries go: requests at once on each path, and how many disjoint paths. */
export interface DhtQueryShape {
  alpha: number;
  disjointPaths: number;
}

/**
 * The community's query shape. kad-dht's defaults (alpha 10 and as many disjoint paths: up to 100
 * requests in flight per query) are sized for the public IPFS DHT and its unreachable peers; a
 * community's DHT has tens to hundreds of nodes that all answer, and one process hosts many of
 * them, so every extra request is CPU taken from the lookups of the others (docs/agents.md,
 * "Discovery (DHT)", and the bench's figures in docs/benchmarks.md).
 */
export const DHT_QUERY: DhtQueryShape = { alpha: 3, disjointPaths: 2 };

export interface CommunityNode {
  communityId: string;
  libp2p: Libp2p<{ dht: KadDHT }>;
  privateKey: Ed25519PrivateKey;
  metrics: DhtMetrics;
  /** The node's listening addresses, with its peer id. */
  addresses(): Multiaddr[];
  stop(): Promise<void>;
}

/** The DHT protocol of a community: nodes of other communities, and the public IPFS DHT, do not answer it. */
export const dhtProtocol = (communityId: string): string => `/gridledger/${communityId}/kad/1.0.0`;

/**
 * libp2p's options for a node of the community's DHT, listening on `listen`, with the records'
 * validators and selectors given (startCommunityNode gives the real ones; the tests give an attacker's).
 */
export function communityLibp2pOptions(
  communityId: string,
  privateKey: Ed25519PrivateKey,
  listen: string,
  records: { validators: Validators; selectors: Selectors },
  query: DhtQueryShape = DHT_QUERY,
): Libp2pOptions<{ dht: KadDHT; identify: Identify; ping: Ping }> {
  return {
    privateKey,
    addresses: { listen: [listen] },
    // One community process hosts the nodes of many homes, so many connections come from one host:
    // libp2p's default of 5 new inbound connections per host and second would refuse them. Such a
    // process, on a busy machine, can also take longer than libp2p's 6-10 s to finish a handshake.
    connectionManager: {
      inboundConnectionThreshold: 1000,
      maxIncomingPendingConnections: 200,
      dialTimeout: 30_000,
      addressDialTimeout: 30_000,
      inboundUpgradeTimeout: 30_000,
    },
    // libp2p pings every connection every 10 s; a node has one to most agents of its community.
    connectionMonitor: { pingInterval: 60_000 },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: dhtProtocol(communityId),
        clientMode: false,
        // Agents share a LAN or loopback: keep private addresses. An address is only ever used to dial.
        peerInfoMapper: passthroughMapper,
        ...query,
        ...records,
      }),
    },
  };
}

export async function startCommunityNode(options: CommunityNodeOptions): Promise<CommunityNode> {
  const privateKey = options.privateKey ?? (await generateKeyPair('Ed25519'));
  const metrics = options.metrics ?? new DhtMetrics();
  const host = options.host ?? '127.0.0.1';
  const validate = async (key: Uint8Array, value: Uint8Array): Promise<void> => {
    try {
      await verifyRecord(key, value);
    } catch (e) {
      if (e instanceof RecordRefused) metrics.refused(e.reason);
      throw e;
    }
  };
  const libp2p = await createLibp2p(
    communityLibp2pOptions(
      options.communityId,
      privateKey,
      `/ip4/${host}/tcp/${options.port ?? 0}`,
      {
        validators: { [RECORD_NAMESPACE]: validate },
        selectors: { [RECORD_NAMESPACE]: selectNewest },
      },
      options.query,
    ),
  );
  const bootstrap = options.bootstrap ?? [];
  const dials = await Promise.allSettled(bootstrap.map((a) => libp2p.dial(typeof a === 'string' ? multiaddr(a) : a)));
  if (bootstrap.length > 0 && dials.every((d) => d.status === 'rejected')) {
    await libp2p.stop();
    const reasons = dials.map((d) => (d.status === 'rejected' ? String(d.reason) : '')).join('; ');
    throw new Error(`no bootstrap node of ${options.communityId} answered: ${reasons}`);
  }
  return {
    communityId: options.communityId,
    libp2p,
    privateKey,
    metrics,
    addresses: () => libp2p.getMultiaddrs(),
    stop: async () => {
      await libp2p.stop();
    },
  };
}
