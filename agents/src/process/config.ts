/**
 * The agent process's configuration (docs/agents.md, "The agent process"): one community, the
 * gateway it talks to, and for each home its meters, its agent's API key and its agent's own
 * Ed25519 key (the libp2p key of its DHT node). Nothing else: the process holds no owner's key,
 * no meter's key and no other home's identity. Pure: parseConfig checks the parsed JSON.
 */
import { ID_PATTERN } from '@gridledger/core';

export interface HomeConfig {
  /** The participant the home's agent acts for (its owner). */
  participantId: string;
  meterIds: string[];
  /** The home's zone in the community's grid model; `default` when the community has none. */
  zoneId: string;
  /** The agent identity's API key at the gateway (gl.agent: it signs this home's trades, nothing else). */
  apiKey: string;
  /** The agent's Ed25519 private key, PKCS#8 PEM (`keygen`, `openssl genpkey -algorithm ed25519`); its peer id is the agentId. */
  agentKeyPem: string;
  /** TCP port of the home's DHT node; 0 (any free one) by default. */
  dhtPort: number;
}

export interface ProcessConfig {
  communityId: string;
  /** The gateway's base URL, e.g. `http://127.0.0.1:8081`. */
  gatewayUrl: string;
  /** Address the DHT nodes listen on. */
  dhtHost: string;
  /** Other agents of the community to join through (`/ip4/…/tcp/…/p2p/…`); the process's first home's node otherwise. */
  bootstrap: string[];
  /** A cycle for interval I starts at I − leadSeconds: positions announced, surpluses priced and offered. */
  leadSeconds: number;
  /** The buyers look for offers this long after the cycle starts (the sellers' records are out by then). */
  buyerDelaySeconds: number;
  /** Bids for what bilateral trades left go into the auction this long before the gate closes. */
  bidMarginSeconds: number;
  /** How long a buyer waits for a seller's answer before it withdraws the request and moves on. */
  answerTimeoutSeconds: number;
  /** Budget of one DHT publication or discovery. */
  dhtTimeoutSeconds: number;
  /** Period of the sellers' look at their requests, and of the buyers' look at their answers. */
  pollMs: number;
  /**
   * A JSON file of the homes' planned positions (positions.ts), read at every cycle, for runs without
   * a broker; without it the plans come over MQTT (plans.ts, plan-feed.ts).
   */
  positionsFile?: string;
  /** A plan older than this is refused when it arrives and dropped when a cycle would use it. */
  planMaxAgeSeconds: number;
  homes: HomeConfig[];
}

export class ConfigInvalid extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`agent process configuration: ${field}: ${message}`);
    this.name = 'ConfigInvalid';
  }
}

type Json = Record<string, unknown>;

function str(o: Json, field: string, at: string, fallback?: string): string {
  const v = o[field] ?? fallback;
  if (typeof v !== 'string' || v.length === 0) throw new ConfigInvalid(`${at}${field}`, 'must be a non-empty string');
  return v;
}

function id(o: Json, field: string, at: string, fallback?: string): string {
  const v = str(o, field, at, fallback);
  if (!ID_PATTERN.test(v)) throw new ConfigInvalid(`${at}${field}`, 'must be an id');
  return v;
}

function int(o: Json, field: string, fallback: number, min: number, max: number): number {
  const v = o[field] ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
    throw new ConfigInvalid(field, `must be an integer in [${min}, ${max}]`);
  return v;
}

function homeOf(input: unknown, k: number): HomeConfig {
  const at = `homes[${k}].`;
  if (typeof input !== 'object' || input === null) throw new ConfigInvalid(`homes[${k}]`, 'must be an object');
  const h = input as Json;
  const meterIds = h.meterIds;
  if (!Array.isArray(meterIds) || meterIds.length === 0 || meterIds.some((m) => typeof m !== 'string' || !ID_PATTERN.test(m)))
    throw new ConfigInvalid(`${at}meterIds`, 'must be a non-empty list of meter ids');
  const port = h.dhtPort ?? 0;
  if (typeof port !== 'number' || !Number.isSafeInteger(port) || port < 0 || port > 65_535)
    throw new ConfigInvalid(`${at}dhtPort`, 'must be a TCP port');
  return {
    participantId: id(h, 'participantId', at),
    meterIds: [...meterIds] as string[],
    zoneId: id(h, 'zoneId', at, 'default'),
    apiKey: str(h, 'apiKey', at),
    agentKeyPem: str(h, 'agentKeyPem', at),
    dhtPort: port,
  };
}

/** The configuration from its parsed JSON; ConfigInvalid names the first bad field. */
export function parseConfig(input: unknown): ProcessConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ConfigInvalid('', 'must be a JSON object');
  const c = input as Json;
  if (!Array.isArray(c.homes) || c.homes.length === 0) throw new ConfigInvalid('homes', 'must be a non-empty list');
  const homes = c.homes.map(homeOf);
  const seen = new Set<string>();
  for (const [k, h] of homes.entries()) {
    if (seen.has(h.participantId)) throw new ConfigInvalid(`homes[${k}].participantId`, 'appears twice');
    seen.add(h.participantId);
  }
  const bootstrap = c.bootstrap ?? [];
  if (!Array.isArray(bootstrap) || bootstrap.some((b) => typeof b !== 'string'))
    throw new ConfigInvalid('bootstrap', 'must be a list of addresses');
  const leadSeconds = int(c, 'leadSeconds', 120, 10, 86_400);
  return {
    communityId: id(c, 'communityId', ''),
    gatewayUrl: str(c, 'gatewayUrl', ''),
    dhtHost: str(c, 'dhtHost', '', '127.0.0.1'),
    bootstrap: bootstrap as string[],
    leadSeconds,
    buyerDelaySeconds: int(c, 'buyerDelaySeconds', 20, 0, leadSeconds),
    bidMarginSeconds: int(c, 'bidMarginSeconds', 5, 0, 3600),
    answerTimeoutSeconds: int(c, 'answerTimeoutSeconds', 15, 1, 3600),
    pollMs: int(c, 'pollMs', 1000, 50, 60_000),
    dhtTimeoutSeconds: int(c, 'dhtTimeoutSeconds', 20, 1, 600),
    ...(c.positionsFile === undefined ? {} : { positionsFile: str(c, 'positionsFile', '') }),
    planMaxAgeSeconds: int(c, 'planMaxAgeSeconds', 3600, 60, 172_800),
    homes,
  };
}
