export * from './random';
export * from './solar';
export * from './data';
export * from './load-profile';
