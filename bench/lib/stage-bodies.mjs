/**
 * Stage bodies for measuring the orchestration alone: each returns the smallest output its
 * stage's schema accepts, at once, so what is left to time is the queue, the job records, the
 * status updates and the metrics. Also slow providers (a fixed wait per call, like an external
 * API) for the scaling run, and a stage that blocks its event loop for the stall test.
 */
import { existsSync } from 'node:fs';

const meta = (confidence = 1) => ({ provider: 'noop', confidence, duration_ms: 0 });

export const noopHandlers = {
  A: async (input) => {
    const hex = String(input.original_ref).replace(/^sha256:/, '');
    return {
      ...meta(),
      image_ref: input.original_ref,
      sha256: /^[0-9a-f]{64}$/.test(hex) ? hex : '0'.repeat(64),
      original: { format: 'png', width: 64, height: 64, bytes: 0, has_alpha: false },
      width: 64,
      height: 64,
      scale: 1,
      rotated: false,
      alpha_flattened: false,
    };
  },
  B: async () => ({ ...meta(), text: '', lines: [], formulas: [] }),
  C: async () => ({ ...meta(), diagram_type: 'none', regions: [], elements: [], relations: [] }),
  D: async () => ({
    ...meta(),
    entities: [],
    pairs: [],
    inconsistencies: [],
    unmatched_elements: [],
    unmatched_entities: [],
    alignment_score: 1,
    config: { base_alignment_threshold: 0.6, position_weight: 0.4, semantic_weight: 0.6 },
  }),
  E: async () => ({ ...meta(), nodes: [], edges: [], facts: [], targets: [], validation: { valid: true, issues: [] }, stats: {} }),
  F: async () => ({ ...meta(), latex_document: '', formulas: [], roundtrip: {} }),
  G: async () => ({ ...meta(), review_required: false, threshold: 0.7, job_confidence: 1, reasons: [], stage_confidences: {}, status: 'not_required' }),
  H: async () => ({ ...meta(), exports: [] }),
};

const wait = (ms, signal) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

/** Providers that answer like a remote API: nothing to compute, `ms` of waiting per call. */
export function sleepingProviders(ms, onCall) {
  return {
    text: [{ name: 'sleepy-text', parse: async (_image, { signal }) => (onCall?.('sleepy-text'), await wait(ms, signal), { confidence: 1, text: '', lines: [], formulas: [] }) }],
    vision: [{ name: 'sleepy-vision', analyse: async (_image, { signal }) => (onCall?.('sleepy-vision'), await wait(ms, signal), { confidence: 1, diagram_type: 'none', regions: [], elements: [], relations: [] }) }],
  };
}

/**
 * A stage D that holds the CPU without yielding on its first attempt in this process (a runaway
 * parse): the lock cannot be renewed, so another worker must take the job over. It holds for
 * `ms`, or, with `releaseFile`, until that file exists (at most `ms`), so a test can wait for the
 * takeover however slow the machine is, and only then let the blocked worker wake up.
 */
export function blockingStage(stage, ms, onBlock, releaseFile, onRelease) {
  return async (input, ctx) => {
    onBlock?.(ctx.job.id);
    const until = Date.now() + ms;
    let nextLook = 0;
    while (Date.now() < until) {
      /* busy: no timers, no I/O, no lock renewal (a synchronous stat now and then) */
      if (releaseFile && Date.now() >= nextLook) {
        if (existsSync(releaseFile)) break;
        nextLook = Date.now() + 20;
      }
    }
    onRelease?.(ctx.job.id);
    return noopHandlers[stage](input, ctx);
  };
}
