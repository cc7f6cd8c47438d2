export * from './clearing';
export * from './order';
