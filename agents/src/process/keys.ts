/**
 * A home agent's own key: Ed25519, kept as PKCS#8 PEM (what `openssl genpkey -algorithm ed25519`
 * writes), used as the libp2p key of the home's DHT node. Its peer id is the agent's id that the
 * owner names in the mandate (`agentId`), so the ledger binds the meter to this key.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';

/** The libp2p key of a PKCS#8 PEM Ed25519 key; an error for any other key. */
export async function agentKeyOf(pem: string): Promise<Ed25519PrivateKey> {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`an agent key is Ed25519, not ${key.asymmetricKeyType}`);
  const seed = Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url');
  return generateKeyPairFromSeed('Ed25519', seed);
}

/** The agent id (libp2p peer id) of a key. */
export const agentIdOf = (key: Ed25519PrivateKey): string => peerIdFromPrivateKey(key).toString();

/** A new agent key and its id, for an owner to keep and to name in its mandate. */
export async function newAgentKey(): Promise<{ agentKeyPem: string; agentId: string }> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const agentKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { agentKeyPem, agentId: agentIdOf(await agentKeyOf(agentKeyPem)) };
}
