import { createHash, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Gateway } from '@hyperledger/fabric-gateway';
import { nodeP256Signer } from './signer';

/** A peer's Gateway service: host:port, the TLS server name in its certificate, and the TLS root that signed it. */
export interface PeerEndpoint {
  endpoint: string;
  hostAlias: string;
  tlsRootCertPath: string;
}

/** A Fabric identity: its organization's MSP id, its certificate and its private key (PEM files). */
export interface FabricIdentity {
  mspId: string;
  certPath: string;
  keyPath: string;
}

/** How long each step of a call may take, in milliseconds. */
export interface Deadlines {
  evaluate: number;
  endorse: number;
  submit: number;
  commitStatus: number;
}

export const DEFAULT_DEADLINES: Deadlines = { evaluate: 5_000, endorse: 15_000, submit: 5_000, commitStatus: 60_000 };

/**
 * The peer's own limits (core.yaml peer.maxRecvMsgSize / maxSendMsgSize, 100 MB). grpc-js would
 * otherwise refuse any answer above 4 MB, and an endorsed transaction carries its whole write set:
 * the clearing of 10,000 orders in one transaction came back at 4.36 MB and was refused.
 */
export const GRPC_MESSAGE_LIMITS = {
  'grpc.max_receive_message_length': 100 * 1024 * 1024,
  'grpc.max_send_message_length': 100 * 1024 * 1024,
} as const;

/** One gRPC connection (TLS) to a peer, which any number of identities' gateways share. */
export function grpcClient(peer: PeerEndpoint): grpc.Client {
  return new grpc.Client(peer.endpoint, grpc.credentials.createSsl(readFileSync(peer.tlsRootCertPath)), {
    'grpc.ssl_target_name_override': peer.hostAlias,
    'grpc.keepalive_time_ms': 60_000,
    ...GRPC_MESSAGE_LIMITS,
  });
}

/** What identifies an identity's files as they are now: a certificate renewed on disk makes a new connection. */
export function identityFingerprint(identity: FabricIdentity): string {
  return createHash('sha256').update(readFileSync(identity.certPath)).update(identity.keyPath).digest('hex');
}

const after = (ms: number) => () => ({ deadline: Date.now() + ms });

/**
 * A fabric-gateway connection for one identity over a shared gRPC client. A P-256 key signs with
 * node:crypto (see signer.ts), any other with the library's signer.
 */
export function connectGateway(client: grpc.Client, identity: FabricIdentity, deadlines: Partial<Deadlines> = {}): Gateway {
  const d = { ...DEFAULT_DEADLINES, ...deadlines };
  const privateKey = createPrivateKey(readFileSync(identity.keyPath));
  const fast = nodeP256Signer(privateKey);
  return connect({
    client,
    identity: { mspId: identity.mspId, credentials: readFileSync(identity.certPath) },
    ...(fast ? { signer: fast, hash: hash.none } : { signer: signers.newPrivateKeySigner(privateKey), hash: hash.sha256 }),
    evaluateOptions: after(d.evaluate),
    endorseOptions: after(d.endorse),
    submitOptions: after(d.submit),
    commitStatusOptions: after(d.commitStatus),
  });
}
