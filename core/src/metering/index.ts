export * from './position';
export * from './validation';
