/**
 * The template features in WebAssembly memory and the dot products against them (dot.wat, eight
 * lanes at a time): the recogniser's inner loop, several times faster than the same loop in
 * JavaScript. Vectors are kept as 16-bit integers scaled to their largest element (+-8191), so
 * correlations come out within about 1e-4 of the float ones. Where WebAssembly SIMD is not
 * available the JavaScript loop over the floats is used.
 *
 * Use: write the template numbers to compare into `indices`, call `compare(features, n)`, read
 * the correlation of `indices[i]` from `results[i]` (valid until the next call).
 */
import { DOT_WASM_BASE64 } from './dot-wasm';
import { FEATURE_LENGTH, correlation } from './features';

/** The part of the WebAssembly API used here (the project's lib settings do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly kind?: 'module';
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule) => { readonly exports: unknown };
};

interface DotExports {
  memory: WasmMemory;
  dots_at(query: number, templates: number, scales: number, indices: number, count: number, length: number, out: number): void;
}

const PAGE = 65536;
const VECTOR_BYTES = FEATURE_LENGTH * 2;
/** Largest magnitude of a quantised element: 16 products of two such per lane stay below 2^31. */
const QUANT_MAX = 8191;

let compiled: WasmModule | null | undefined;

function dotModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(DOT_WASM_BASE64, 'base64'));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Byte offsets of the regions in WebAssembly memory: query, indices, results, scales, templates. */
function layout(count: number): { indices: number; results: number; scales: number; templates: number; end: number } {
  const slot = Math.ceil((count * 4) / 64) * 64;
  const indices = VECTOR_BYTES;
  const results = indices + slot;
  const scales = results + slot;
  const templates = scales + slot;
  return { indices, results, scales, templates, end: templates + count * VECTOR_BYTES };
}

/** Writes `v` as integers scaled to QUANT_MAX into `out`; returns the scale back to floats. */
function quantise(v: Float32Array, out: Int16Array): number {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]!));
  if (max === 0) {
    out.fill(0);
    return 0;
  }
  const k = QUANT_MAX / max;
  for (let i = 0; i < v.length; i++) out[i] = Math.round(v[i]! * k);
  return max / QUANT_MAX;
}

export class TemplateBank {
  /** Template numbers to compare, filled by the caller. */
  readonly indices: Int32Array;
  /** results[i]: correlation of the last compared features with template indices[i]. */
  readonly results: Float32Array;
  private readonly query: Int16Array;
  private readonly wasm?: DotExports;
  private readonly offsets: ReturnType<typeof layout>;
  private readonly js?: Float32Array;

  /** `features` holds at least `count` vectors back to back; they are copied once. */
  constructor(features: Float32Array, readonly count: number, opts: { useWasm?: boolean } = {}) {
    this.offsets = layout(count);
    const module = opts.useWasm === false ? null : dotModule();
    if (module) {
      const exports = new WebAssembly.Instance(module).exports as unknown as DotExports;
      exports.memory.grow(Math.max(0, Math.ceil(this.offsets.end / PAGE) - exports.memory.buffer.byteLength / PAGE));
      const buffer = exports.memory.buffer;
      const scales = new Float32Array(buffer, this.offsets.scales, count);
      for (let k = 0; k < count; k++) {
        const stored = new Int16Array(buffer, this.offsets.templates + k * VECTOR_BYTES, FEATURE_LENGTH);
        scales[k] = quantise(features.subarray(k * FEATURE_LENGTH, (k + 1) * FEATURE_LENGTH), stored);
      }
      this.query = new Int16Array(buffer, 0, FEATURE_LENGTH);
      this.indices = new Int32Array(buffer, this.offsets.indices, count);
      this.results = new Float32Array(buffer, this.offsets.results, count);
      this.wasm = exports;
    } else {
      this.js = features.slice(0, count * FEATURE_LENGTH);
      this.query = new Int16Array(FEATURE_LENGTH);
      this.indices = new Int32Array(count);
      this.results = new Float32Array(count);
    }
  }

  get simd(): boolean {
    return this.wasm !== undefined;
  }

  /** Correlations of `features` with the templates in indices[0..n). */
  compare(features: Float32Array, n: number): void {
    if (n <= 0) return;
    if (this.wasm) {
      const scale = quantise(features, this.query);
      this.wasm.dots_at(0, this.offsets.templates, this.offsets.scales, this.offsets.indices, n, FEATURE_LENGTH, this.offsets.results);
      for (let i = 0; i < n; i++) this.results[i] = this.results[i]! * scale;
      return;
    }
    for (let i = 0; i < n; i++) this.results[i] = correlation(features, this.js!, this.indices[i]! * FEATURE_LENGTH);
  }
}
