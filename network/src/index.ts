export * from './binaries';
export * from './ca';
