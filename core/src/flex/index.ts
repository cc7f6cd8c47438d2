export * from './baseline';
export * from './event';
export * from './performance';
export * from './audit';
