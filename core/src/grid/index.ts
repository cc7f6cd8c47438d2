export * from './island';
export * from './model';
export * from './island-interval';
