export * from './binaries';
export * from './ca';
export * from './config';
export * from './ledger';
export * from './proc';
export * from './profile';
export * from './broker';
export * from './mqtt-access';
