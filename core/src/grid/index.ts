export * from './island';
export * from './model';
