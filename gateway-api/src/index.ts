export * from './beckn/signing';
