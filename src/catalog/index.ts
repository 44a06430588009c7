export * from './catalog.js';
export * from './resolve.js';
export * from './accuracy.js';
