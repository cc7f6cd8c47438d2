export * from './random';
export * from './solar';
export * from './data';
export * from './load-profile';
export * from './methods';
export * from './evaluation';
export * from './meter';
