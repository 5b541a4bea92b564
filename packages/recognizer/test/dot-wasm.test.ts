/**
 * The SIMD dot products (src/classify/dot.wat) against the plain JavaScript loop, and the
 * committed module bytes against what dot.wat compiles to.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { TemplateBank } from '../src/classify/dots';
import { FEATURE_LENGTH, correlation } from '../src/classify/features';
import { Rng } from '../bench/rng';

function randomVectors(count: number, rng: Rng): Float32Array {
  const out = new Float32Array(count * FEATURE_LENGTH);
  for (let i = 0; i < out.length; i++) out[i] = rng.gaussian() / Math.sqrt(FEATURE_LENGTH);
  return out;
}

describe('TemplateBank', () => {
  const rng = new Rng(7);
  const templates = randomVectors(300, rng);
  const query = randomVectors(1, rng);

  it('uses WebAssembly SIMD on this Node', () => {
    expect(new TemplateBank(templates, 300).simd).toBe(true);
  });

  it.each([true, false])('gives the correlations of the JavaScript loop for the chosen templates (wasm: %s)', (useWasm) => {
    const bank = new TemplateBank(templates, 300, { useWasm });
    const chosen = [17, 18, 100, 299, 0, 210];
    chosen.forEach((k, i) => (bank.indices[i] = k));
    bank.compare(query, chosen.length);
    chosen.forEach((k, i) => expect(bank.results[i]).toBeCloseTo(correlation(query, templates, k * FEATURE_LENGTH), 3));
  });

  it('compares every template when asked to', () => {
    const bank = new TemplateBank(templates, 300);
    for (let k = 0; k < 300; k++) bank.indices[k] = k;
    bank.compare(query, 300);
    for (let k = 0; k < 300; k += 37) expect(bank.results[k]).toBeCloseTo(correlation(query, templates, k * FEATURE_LENGTH), 3);
  });
});

describe('dot-wasm.ts', () => {
  it('is what dot.wat compiles to (run scripts/compile-wasm.mjs after editing dot.wat)', () => {
    const script = path.resolve(__dirname, '..', 'scripts', 'compile-wasm.mjs');
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
