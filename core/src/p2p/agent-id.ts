/**
 * An agent id: the libp2p peer id of the agent node that speaks for an owner's meters, as libp2p
 * prints it (base58btc, `12D3KooW…`). The owner names it in its mandate (docs/p2p.md, *Agents and
 * owners*); a buyer's agent reads that binding before it trusts a DHT record signed by the node's
 * key (docs/agents.md, *Discovery (DHT)*). Only Ed25519 peer ids are agent ids: the key is inside
 * the id (an identity multihash of the protobuf public key), so anyone checks a record with nothing
 * to look up, and the DHT records refuse every other key type.
 */

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** identity multihash (0x00), 36 bytes (0x24), protobuf PublicKey { Type: Ed25519 (08 01), Data: 32 bytes (12 20) }. */
const ED25519_PEER_ID_HEADER = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
const ED25519_PEER_ID_BYTES = ED25519_PEER_ID_HEADER.length + 32;

export const AGENT_ID_RULE = 'an Ed25519 libp2p peer id in base58btc, as libp2p prints it (12D3KooW followed by 44 characters)';

/**
 * The bytes a base58btc text stands for (leading `1`s are zero bytes), or undefined when it has
 * another character. Peer ids are short, so the number is decoded whole as a BigInt.
 */
function base58Bytes(text: string): number[] | undefined {
  let n = 0n;
  for (const c of text) {
    const digit = BASE58_ALPHABET.indexOf(c);
    if (digit < 0) return undefined;
    n = n * 58n + BigInt(digit);
  }
  const body: number[] = [];
  for (; n > 0n; n >>= 8n) body.unshift(Number(n & 0xffn));
  const zeros = /^1*/.exec(text)![0].length;
  return [...new Array<number>(zeros).fill(0), ...body];
}

/** Whether `value` is an agent id: base58btc of exactly an Ed25519 peer id's 38 bytes. */
export function isAgentId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 52) return false;
  const bytes = base58Bytes(value);
  return bytes !== undefined && bytes.length === ED25519_PEER_ID_BYTES && ED25519_PEER_ID_HEADER.every((b, i) => bytes[i] === b);
}
