// Worker entry of bench/fuzz.ts: workers do not take `--import tsx`, so this registers tsx and loads the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./fuzz.ts');
