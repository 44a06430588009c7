export * from './catalog.js';
export * from './resolve.js';
