/**
 * The baseline: tesseract.js (LSTM, English data from @tesseract.js-data/eng in node_modules,
 * never fetched) reading the same images as one text line. Its Unicode answer is mapped to LaTeX
 * tokens (Greek letters, operators) so both systems are scored by the same metrics.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';

const UNICODE_TO_LATEX: Record<string, string> = {
  α: '\\alpha', β: '\\beta', γ: '\\gamma', δ: '\\delta', ε: '\\epsilon', ζ: '\\zeta', η: '\\eta', θ: '\\theta', ι: '\\iota', κ: '\\kappa', λ: '\\lambda', μ: '\\mu', ν: '\\nu', ξ: '\\xi', π: '\\pi', ρ: '\\rho', σ: '\\sigma', τ: '\\tau', υ: '\\upsilon', φ: '\\phi', χ: '\\chi', ψ: '\\psi', ω: '\\omega',
  Γ: '\\Gamma', Δ: '\\Delta', Θ: '\\Theta', Λ: '\\Lambda', Ξ: '\\Xi', Π: '\\Pi', Σ: '\\Sigma', Φ: '\\Phi', Ψ: '\\Psi', Ω: '\\Omega',
  '−': '-', '–': '-', '—': '-', '×': '\\times', '·': '\\cdot', '•': '\\cdot', '≤': '\\leq', '≥': '\\geq', '≠': '\\neq', '≈': '\\approx', '≡': '\\equiv', '∞': '\\infty', '∂': '\\partial', '∑': '\\sum', '∏': '\\prod', '∫': '\\int', '√': '\\sqrt',
  '→': '\\rightarrow', '←': '\\leftarrow', '±': '\\pm', '∓': '\\mp', '∈': '\\in', '∇': '\\nabla', '∀': '\\forall', '∃': '\\exists', '⊗': '\\otimes', '⊕': '\\oplus', '∩': '\\cap', '∪': '\\cup', '∧': '\\wedge', '∨': '\\vee', '⟨': '\\langle', '⟩': '\\rangle',
  '{': '\\{', '}': '\\}', '’': "'", '‘': "'", '′': '\\prime', '“': "''", '”': "''", '\\': '\\backslash', '#': '\\#', '%': '\\%', '&': '\\&', $: '\\$', _: '\\_', '^': '\\hat{}', '~': '\\sim',
};

/** Tesseract's text as a LaTeX string: one token per character, symbols mapped to commands. */
export function textToLatex(text: string): string {
  return [...text.trim()]
    .filter((c) => !/\s/.test(c))
    .map((c) => UNICODE_TO_LATEX[c] ?? c)
    .join(' ');
}

function langPath(): string {
  const file = require.resolve('@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz');
  if (!existsSync(file)) throw new Error(`tesseract language data missing at ${file}`);
  return path.dirname(file);
}

export class TesseractBaseline {
  private worker?: Worker;

  async recognize(image: Buffer): Promise<{ latex: string; ms: number; confidence: number }> {
    if (!this.worker) {
      this.worker = await createWorker('eng', OEM.LSTM_ONLY, { langPath: langPath(), gzip: true, cacheMethod: 'none', logger: () => undefined, errorHandler: () => undefined });
      await this.worker.setParameters({ tessedit_pageseg_mode: PSM.SINGLE_LINE });
    }
    const started = performance.now();
    const { data } = await this.worker.recognize(image);
    // tesseract's mean word confidence, 0..100.
    return { latex: textToLatex(data.text), ms: Math.round(performance.now() - started), confidence: data.confidence / 100 };
  }

  async terminate(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
