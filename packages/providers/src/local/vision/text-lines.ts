/**
 * Text-line grouping and formula spotting on glyph-sized components.
 *
 * Lines: glyphs are taken left to right and joined to the line whose vertical band they overlap
 * and whose right edge is near; accents, dots and other small marks are attached afterwards to
 * the line they sit on. Formulas: inside a line, words are split at wide gaps, and a word is math
 * when it has two-dimensional structure (a fraction bar with ink above and below, a raised or
 * lowered script, an accent over letters, a nested symbol such as the circled dot of `⊙`) or is
 * a relation sign (`=`, two stacked bars), which pulls its neighbouring words in with it.
 */
import type { BBox } from '@mpp/schemas';
import { compBox, compHeight, compWidth, unionBox, type Component } from './components';

export interface TextLineGroup {
  glyphs: Component[];
  bbox: BBox;
  /** Boxes of the math parts of the line, in reading order. */
  formulas: BBox[];
  /** The whole line is math (a displayed formula). */
  isFormula: boolean;
}

const overlap1d = (a0: number, a1: number, b0: number, b1: number): number => Math.min(a1, b1) - Math.max(a0, b0) + 1;

interface LineDraft {
  glyphs: Component[];
  x1: number;
  y0: number;
  y1: number;
}

/** Groups glyphs into lines; `charHeight` is the page's typical glyph height. */
export function groupTextLines(glyphs: readonly Component[], charHeight: number): TextLineGroup[] {
  // Bars are not small marks: a fraction bar must stay free to join the line it is centred on.
  const isSmall = (c: Component): boolean =>
    compHeight(c) < 0.45 * charHeight && compWidth(c) < 1.5 * charHeight && !isBar(c, charHeight);
  const main = glyphs.filter((c) => !isSmall(c)).sort((a, b) => a.x0 - b.x0);
  const small = glyphs.filter(isSmall);
  const maxGap = 2.2 * charHeight;
  const drafts: LineDraft[] = [];
  for (const g of main) {
    let best: LineDraft | undefined;
    let bestScore = 0;
    for (const line of drafts) {
      const gap = g.x0 - line.x1;
      if (gap > maxGap) continue;
      const ov = overlap1d(line.y0, line.y1, g.y0, g.y1) / Math.min(line.y1 - line.y0 + 1, compHeight(g));
      if (ov < 0.45) continue;
      const score = ov - Math.max(0, gap) / (4 * maxGap);
      if (score > bestScore) {
        bestScore = score;
        best = line;
      }
    }
    if (best) {
      best.glyphs.push(g);
      best.x1 = Math.max(best.x1, g.x1);
      best.y0 = Math.min(best.y0, g.y0);
      best.y1 = Math.max(best.y1, g.y1);
    } else drafts.push({ glyphs: [g], x1: g.x1, y0: g.y0, y1: g.y1 });
  }
  // Small marks join the line they touch or sit just above/below; lonely ones form their own.
  for (const s of small) {
    let best: LineDraft | undefined;
    let bestDist = 0.8 * charHeight;
    for (const line of drafts) {
      const x0 = Math.min(...line.glyphs.map((c) => c.x0));
      if (s.x1 < x0 - 0.5 * charHeight || s.x0 > line.x1 + 0.5 * charHeight) continue;
      const dist = Math.max(0, line.y0 - s.y1, s.y0 - line.y1);
      if (dist < bestDist) {
        bestDist = dist;
        best = line;
      }
    }
    if (best) best.glyphs.push(s);
    else drafts.push({ glyphs: [s], x1: s.x1, y0: s.y0, y1: s.y1 });
  }
  const lines = drafts.map((d) => d.glyphs.sort((a, b) => a.x0 - b.x0));
  return mergeFractionBlocks(lines, charHeight).map((g) => describeLine(g, charHeight));
}

/**
 * A straight flat bar (fraction bars, minus signs, `=` halves): thin, wide and solid. Solidity
 * tells it from an arc accent, whose box is as flat but mostly empty.
 */
export const isBar = (c: Component, charHeight: number): boolean =>
  compHeight(c) <= Math.max(3, 0.2 * charHeight) &&
  compWidth(c) >= Math.max(3 * compHeight(c), 0.3 * charHeight) &&
  c.area >= 0.7 * compWidth(c) * compHeight(c);

/** Numerator, bar and denominator end up as three lines; join them (and the line they sit in). */
function mergeFractionBlocks(lines: Component[][], charHeight: number): Component[][] {
  const boxes = lines.map((l) => unionBox(l.map(compBox)));
  const parent = lines.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  lines.forEach((line, i) => {
    for (const bar of line.filter((c) => isBar(c, charHeight) && compWidth(c) >= 0.6 * charHeight)) {
      let above = -1;
      let below = -1;
      lines.forEach((other, j) => {
        const b = boxes[j]!;
        if (overlap1d(b.x, b.x + b.w - 1, bar.x0, bar.x1) < 0.5 * Math.min(b.w, compWidth(bar))) return;
        if (other.includes(bar)) return;
        if (b.y + b.h <= bar.y0 && bar.y0 - (b.y + b.h) < 0.8 * charHeight) above = j;
        if (b.y > bar.y1 && b.y - bar.y1 < 0.8 * charHeight) below = j;
      });
      if (above >= 0 && below >= 0) {
        parent[root(above)] = root(i);
        parent[root(below)] = root(i);
      }
    }
  });
  const merged = new Map<number, Component[]>();
  lines.forEach((line, i) => {
    const r = root(i);
    merged.set(r, [...(merged.get(r) ?? []), ...line]);
  });
  return [...merged.values()].map((l) => l.sort((a, b) => a.x0 - b.x0));
}

/** Splits a line into words at gaps wider than a fraction of the glyph height. */
function splitWords(glyphs: Component[], charHeight: number): Component[][] {
  const words: Component[][] = [];
  let current: Component[] = [];
  let right = -Infinity;
  for (const g of glyphs) {
    if (current.length && g.x0 - right > 0.45 * charHeight) {
      words.push(current);
      current = [];
    }
    current.push(g);
    right = Math.max(right, g.x1);
  }
  if (current.length) words.push(current);
  return words;
}

function hasTwoDimensionalStructure(word: Component[], baseline: number, lineTop: number, charHeight: number): boolean {
  for (const g of word) {
    const others = word.filter((o) => o !== g);
    // Fraction bar: ink directly above and below it.
    if (isBar(g, charHeight) && compWidth(g) >= 0.6 * charHeight) {
      const over = others.some((o) => o.y1 < g.y0 && o.x0 <= g.x1 && o.x1 >= g.x0 && compHeight(o) > 0.3 * charHeight);
      const under = others.some((o) => o.y0 > g.y1 && o.x0 <= g.x1 && o.x1 >= g.x0 && compHeight(o) > 0.3 * charHeight);
      if (over && under) return true;
    }
    // Nested symbol (⊙, ⊕ drawn as ring plus inner mark).
    if (others.some((o) => o.x0 > g.x0 && o.x1 < g.x1 && o.y0 > g.y0 && o.y1 < g.y1 && compHeight(g) > 0.5 * charHeight)) return true;
    // Accent: a flat mark over at least one full-height glyph, spanning it, above the line's letters.
    const covered = others.filter((o) => o.y0 > g.y1 && o.x0 >= g.x0 - 2 && o.x1 <= g.x1 + 2 && compHeight(o) > 0.5 * charHeight);
    if (compHeight(g) < 0.35 * charHeight && compWidth(g) > 0.8 * charHeight && covered.length > 0 && g.y1 <= lineTop + 0.35 * charHeight) return true;
    // Raised script: a smaller glyph whose bottom stays well above the baseline, next to a base glyph.
    const raised = baseline - g.y1 > 0.35 * charHeight && compHeight(g) < 0.75 * charHeight && compHeight(g) > 0.2 * charHeight;
    if (raised && others.some((o) => o.x1 < g.x0 + 2 && g.x0 - o.x1 < 0.3 * charHeight && compHeight(o) > 0.6 * charHeight)) return true;
  }
  return false;
}

/** `=` and similar: two flat bars stacked over each other and nothing else. */
function isRelationSign(word: Component[], charHeight: number): boolean {
  if (word.length !== 2) return false;
  const [a, b] = word as [Component, Component];
  return isBar(a, charHeight) && isBar(b, charHeight) && overlap1d(a.x0, a.x1, b.x0, b.x1) > 0.6 * Math.min(compWidth(a), compWidth(b));
}

function describeLine(glyphs: Component[], charHeight: number): TextLineGroup {
  const bbox = unionBox(glyphs.map(compBox));
  // Baseline: the most common bottom of the full-height glyphs.
  const bottoms = glyphs.filter((g) => compHeight(g) > 0.55 * charHeight).map((g) => g.y1).sort((a, b) => a - b);
  const baseline = bottoms.length ? bottoms[Math.floor(bottoms.length / 2)]! : bbox.y + bbox.h;
  const tops = glyphs.filter((g) => compHeight(g) > 0.55 * charHeight).map((g) => g.y0).sort((a, b) => a - b);
  const lineTop = tops.length ? tops[Math.floor(tops.length / 2)]! : bbox.y;
  const words = splitWords(glyphs, charHeight);
  const math = words.map((w) => hasTwoDimensionalStructure(w, baseline, lineTop, charHeight));
  words.forEach((w, i) => {
    if (!isRelationSign(w, charHeight)) return;
    math[i] = true;
    if (i > 0) math[i - 1] = true;
    if (i + 1 < words.length) math[i + 1] = true;
  });
  const formulas: BBox[] = [];
  let run: Component[] = [];
  words.forEach((w, i) => {
    if (math[i]) run.push(...w);
    if ((!math[i] || i === words.length - 1) && run.length) {
      formulas.push(unionBox(run.map(compBox)));
      run = [];
    }
  });
  const isFormula = words.length > 0 && math.every(Boolean);
  return { glyphs, bbox, formulas: isFormula ? [] : formulas, isFormula };
}
