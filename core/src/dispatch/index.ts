export * from './resource';
export * from './setpoint';
export * from './selection';
export * from './delivery';
export * from './charging';
export * from './dispatch';
