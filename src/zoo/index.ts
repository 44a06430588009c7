export * from './registry.js';
import './spaces/index.js';
