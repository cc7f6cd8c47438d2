export * from './position';
export * from './validation';
export * from './params';
export * from './meter';
export * from './batch';
export * from './window';
export * from './assets';
export * from './private';
