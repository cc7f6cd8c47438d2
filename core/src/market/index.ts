export * from './clearing';
export * from './order';
export * from './settlement';
export * from './params';
export * from './book';
export * from './contracts';
export * from './figures';
export * from './clearing-pages';
