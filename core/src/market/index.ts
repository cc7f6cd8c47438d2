export * from './clearing';
export * from './order';
export * from './settlement';
