export * from './battery';
export * from './booking';
export * from './payment';
export * from './usage';
export * from './search';
export * from './status';
