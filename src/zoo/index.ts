export * from './registry.js';
import './spaces/index.js';
import './models/index.js';
