export * from './mandate';
export * from './offer';
export * from './agent-id';
export * from './agent-access';
