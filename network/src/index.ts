export * from './binaries';
export * from './ca';
export * from './proc';
export * from './profile';
