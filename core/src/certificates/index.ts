export * from './bundle';
export * from './issuance';
export * from './lifecycle';
export * from './invariant';
export * from './storage';
export * from './matching';
export * from './export';
export * from './provenance';
