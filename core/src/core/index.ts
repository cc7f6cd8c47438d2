export * from './canonical';
export * from './errors';
export * from './identity';
export * from './prorata';
export * from './reading';
export * from './units';
export * from './doc-section';
