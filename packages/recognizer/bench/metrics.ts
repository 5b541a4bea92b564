/**
 * Text metrics over normalised token sequences: exact match, normalised token edit distance
 * (Levenshtein / longer length, per formula and pooled over a set) and corpus BLEU-4 with the
 * brevity penalty (Papineni et al. 2002), as im2markup reports them.
 */
export function levenshtein(a: readonly string[], b: readonly string[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

export function editDistance(pred: readonly string[], gold: readonly string[]): number {
  const longer = Math.max(pred.length, gold.length);
  return longer === 0 ? 0 : levenshtein(pred, gold) / longer;
}

function ngrams(tokens: readonly string[], n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0001');
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** Corpus BLEU-4 over (prediction, reference) pairs, 0..1. */
export function corpusBleu(pairs: ReadonlyArray<[readonly string[], readonly string[]]>): number {
  const matches = [0, 0, 0, 0];
  const totals = [0, 0, 0, 0];
  let predLength = 0;
  let refLength = 0;
  for (const [pred, ref] of pairs) {
    predLength += pred.length;
    refLength += ref.length;
    for (let n = 1; n <= 4; n++) {
      const p = ngrams(pred, n);
      const r = ngrams(ref, n);
      for (const [k, c] of p) matches[n - 1]! += Math.min(c, r.get(k) ?? 0);
      totals[n - 1]! += Math.max(0, pred.length - n + 1);
    }
  }
  if (predLength === 0) return 0;
  let logSum = 0;
  for (let n = 0; n < 4; n++) {
    if (matches[n] === 0 || totals[n] === 0) return 0;
    logSum += Math.log(matches[n]! / totals[n]!) / 4;
  }
  const brevity = predLength >= refLength ? 1 : Math.exp(1 - refLength / predLength);
  return brevity * Math.exp(logSum);
}

/** Tokens that only carry structure or style, not a visible symbol of their own. */
const STRUCTURAL = new Set(['{', '}', '^', '_', '\\frac', '\\sqrt', '\\left', '\\right', '\\mathrm', '\\mathit', '\\mathbf', '\\mathcal', '\\mathbb', '\\operatorname', '\\limits', '\\nolimits', '\\displaystyle', '\\textstyle', '\\scriptstyle']);

/** The visible symbols of a normalised token sequence (braces, script marks and style commands dropped). */
export function symbolTokens(tokens: readonly string[]): string[] {
  return tokens.filter((t) => !STRUCTURAL.has(t));
}

/** Multiset overlap of the visible symbols: how many gold symbols the prediction contains. */
export function symbolMatches(pred: readonly string[], gold: readonly string[]): { matched: number; pred: number; gold: number } {
  const counts = new Map<string, number>();
  const p = symbolTokens(pred);
  const g = symbolTokens(gold);
  for (const t of g) counts.set(t, (counts.get(t) ?? 0) + 1);
  let matched = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      matched++;
      counts.set(t, c - 1);
    }
  }
  return { matched, pred: p.length, gold: g.length };
}

/** The 2-D constructs a normalised gold sequence contains, for per-construct accuracy. */
export function constructsOf(tokens: readonly string[]): string[] {
  const has = (re: RegExp): boolean => tokens.some((t) => re.test(t));
  const out: string[] = [];
  if (has(/^\\frac$/)) out.push('fraction');
  if (has(/^\\sqrt$/)) out.push('radical');
  if (has(/^[\^_]$/)) out.push('script');
  if (has(/^\\(sum|prod|int|oint|iint|bigcup|bigcap|lim)$/)) out.push('big operator / limit');
  if (has(/^[()[\]|]$|^\\[{}]$|^\\(langle|rangle|lbrace|rbrace|vert|Vert)$/)) out.push('delimiter');
  if (has(/^\\(sin|cos|tan|log|ln|exp|det|max|min|sup|inf|arg|tanh|sinh|cosh|cot|sec|csc)$/)) out.push('function name');
  if (has(/^\\(alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|vartheta|iota|kappa|lambda|mu|nu|xi|pi|rho|varrho|sigma|tau|upsilon|phi|varphi|chi|psi|omega|Gamma|Delta|Theta|Lambda|Xi|Pi|Sigma|Upsilon|Phi|Psi|Omega)$/)) out.push('Greek');
  if (has(/^\\begin$|^&$|^\\\\$/)) out.push('matrix / array');
  if (has(/^\\(hat|bar|tilde|vec|dot|ddot|overline|underline|widehat|widetilde)$/)) out.push('accent');
  return out;
}
