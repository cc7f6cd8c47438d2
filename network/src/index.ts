export * from './binaries';
export * from './ca';
export * from './profile';
