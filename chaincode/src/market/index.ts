export * from './clearing';
export * from './order';
export * from './prorata';
export * from './settlement';
