export * from './inventory';
export * from './probe';
export * from './evidence';
export * from './finding';
export * from './keys';
export * from './credentials';
