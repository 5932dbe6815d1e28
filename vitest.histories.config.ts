import { defineConfig } from 'vitest/config';
import base from './vitest.config';

// `npm run histories:refresh`: the recorder is not a test, so the main config does not include it;
// it reuses the main config's real parts (global setup, timeouts).
export default defineConfig({ test: { ...base.test, include: ['test/histories/record-histories.ts'] } });
