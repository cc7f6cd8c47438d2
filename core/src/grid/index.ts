export * from './island';
export * from './model';
export * from './island-interval';
export * from './shedding';
export * from './island-contracts';
export * from './interval-zones';
export * from './recompute';
