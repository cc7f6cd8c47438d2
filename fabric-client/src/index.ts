export { FabricClient, parseResult, type EventsFrom, type FabricClientOptions } from './client';
export {
  connectGateway,
  DEFAULT_DEADLINES,
  GRPC_MESSAGE_LIMITS,
  grpcClient,
  type Deadlines,
  type FabricIdentity,
  type PeerEndpoint,
} from './connection';
export {
  ChaincodeError,
  describeFabricError,
  fromFabricError,
  GrpcStatus,
  isTransient,
  MVCC_READ_CONFLICT,
  PHANTOM_READ_CONFLICT,
} from './errors';
export { FabricMetrics } from './metrics';
export { blockchainInfoHeight, blockNumberOf } from './protobuf';
export { lowSDer, nodeP256Signer } from './signer';
export { retryDelayMs, submitWithRetry, type ProposalMaker, type RetryOptions, type SubmitOptions, type Submitted } from './submit';
