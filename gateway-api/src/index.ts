export * from './beckn/signing';
export { createApp, type AppDeps, type GatewayApp, type GatewayInfo } from './app';
export { HTTP_STATUS, httpStatusOf, fromFabricError, errorBody } from './errors';
export { parseCheckpoint, formatCheckpoint, ResumePosition, type Checkpoint } from './events';
export { startGateway, listen, realDeps, type GatewayOptions, type RunningGateway } from './gateway';
export {
  FileApiKeyStore,
  MemoryApiKeyStore,
  apiKeysPath,
  hashKey,
  keyIdOf,
  DEFAULT_KEY_DAYS,
  MAX_KEY_DAYS,
  type ApiKeyStore,
  type ApiKeyRecord,
} from './keys';
export { MemoryOnboardingStore, FileOnboardingStore, type Onboarded, type NewParticipant } from './onboarding';
export { openApiDocument, API_BASE } from './openapi';
export * from './ports';
export { FileWallet, MemoryWallet } from './wallet';
export { FabricLedger } from './fabric/ledger';
export { NetworkCa } from './fabric/ca';
export { MarketScheduler, type StepOutcome } from './market-scheduler';
export { ArchiveScheduler, type ArchiveTick } from './archive-scheduler';
export { ACCESS_TABLE, CALLERS, type Access, type AccessRow, type CallerClass } from './access-table';
export * from './beckn/replay-cache';
export * from './beckn/registry';
export * from './beckn/config';
export {
  ACTIONS as BECKN_ACTIONS,
  CALLBACK_ACTIONS as BECKN_CALLBACK_ACTIONS,
  BECKN_VERSION,
  MESSAGES as BECKN_MESSAGES,
  bodySchema as becknBodySchema,
  ackResponse as becknAckResponse,
  callbackOf,
  type Action as BecknAction,
  type CallbackAction as BecknCallbackAction,
  type AnyAction as AnyBecknAction,
  type Context as BecknContext,
  type MessageOf as BecknMessageOf,
} from './beckn/schemas';
export * from './beckn/error-codes';
export * from './beckn/database';
export * from './beckn/inbox';
export * from './beckn/outbox';
export * from './beckn/context-check';
export * from './beckn/router';
export * from './beckn/bpp';
export * from './beckn/bap';
export * from './beckn/storage-profile';
export { EventCheckpoints, followEvents, resetCheckpoints, type Follower } from './event-follower';
export { followFlexEvents } from './openadr/follower';
