export * from './sample';
export * from './balance';
export * from './alerts';
