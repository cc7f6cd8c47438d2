export * from './mandate';
export * from './offer';
