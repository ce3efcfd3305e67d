// The probe function's bundle, loaded as an FC instance loads it, lowers V8's interrupt budget, so that an instance's
// hot code is optimized after a few thousand probes' worth of bytecode less (docs/performance.md, "Fifth look").
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildBundles, type Bundles } from '../deploy/bundles';

let bundles: Bundles;
beforeAll(() => {
  bundles = buildBundles();
});
afterAll(() => bundles.remove());

/**
 * Runs a small loop function 15 times in a fresh Node process (after loading `bundle`, if given) and answers whether V8
 * has started optimizing it. With V8's default budget (66 KB of bytecode in Node 20) it is still interpreted; with 16 KB it is
 * queued for or done by the optimizing compiler after 8 calls on this Node (calibrated: 50 calls tier it up at the default).
 */
function tieredUpAfter15Calls(bundle: string | null): boolean {
  const script = `
    ${bundle === null ? '' : `require(${JSON.stringify(bundle)});`}
    function hot(n) { let s = 0; for (let i = 0; i < n; i++) s += i & 7; return s; }
    for (let k = 0; k < 15; k++) hot(100);
    const status = %GetOptimizationStatus(hot);
    // Optimized, TurboFanned, marked for (concurrent) optimization, optimizing concurrently (V8's OptimizationStatus bits).
    process.stdout.write(String((status & ((1 << 4) | (1 << 6) | (1 << 8) | (1 << 9) | (1 << 10))) !== 0));`;
  const env = { PATH: process.env.PATH, SLB_DOCTOR_PROBE_ALLOWED_CIDRS: '127.0.0.0/8', SLB_DOCTOR_PROBE_CONCURRENCY: '8' };
  return execFileSync(process.execPath, ['--allow-natives-syntax', '-e', script], { env, encoding: 'utf8' }) === 'true';
}

test('loading the probe function optimizes hot code after far less bytecode than V8 does by default', () => {
  expect(tieredUpAfter15Calls(null)).toBe(false);
  expect(tieredUpAfter15Calls(join(bundles.dir, 'probe', 'index.js'))).toBe(true);
});
