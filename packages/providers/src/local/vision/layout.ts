/**
 * Page layout from connected components: which ink is diagram strokes, which glyphs are the
 * diagram's labels, which glyphs form text lines (and where the formulas are in them).
 *
 * A component is a stroke when it is much larger than a glyph (long lines, circles and whole
 * figures usually come out as one or a few big components); strokes that lie close together form
 * one diagram. Glyphs near a diagram are its labels unless they belong to a run of text that
 * merely passes by (a word that also holds glyphs far from the diagram).
 */
import type { BBox } from '@mpp/schemas';
import { boxGap, compBox, compHeight, compWidth, unionBox, type Component, type ComponentMap } from './components';
import { groupTextLines, isBar, type TextLineGroup } from './text-lines';

export interface DiagramLayout {
  id: string;
  /** Big components: the drawing itself. */
  strokes: Component[];
  /** Glyph-sized components next to or inside the drawing (point names, values). */
  labels: Component[];
  bbox: BBox;
}

export interface PageLayout {
  /** Typical glyph height in pixels; the scale every other threshold is relative to. */
  charHeight: number;
  diagrams: DiagramLayout[];
  lines: TextLineGroup[];
  /** Large, mostly filled blobs (photos, shaded areas): reported as figures, not analysed. */
  figures: BBox[];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)]! : NaN;
};

/** Median height of compact, glyph-like components; a size-based guess when there are none. */
export function estimateCharHeight(components: readonly Component[], width: number, height: number): number {
  const heights = components
    .filter((c) => {
      const w = compWidth(c);
      const h = compHeight(c);
      return c.area >= 6 && h >= 6 && h <= height * 0.25 && w <= 3 * h && h <= 5 * w;
    })
    .map(compHeight);
  const guess = median(heights);
  return Number.isFinite(guess) ? Math.max(6, guess) : Math.max(10, Math.min(width, height) / 20);
}

/** Groups boxes that lie within `gap` of each other (single linkage). */
function clusterByGap<T>(items: readonly T[], box: (t: T) => BBox, gap: number): T[][] {
  const parent = items.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      if (boxGap(box(items[i]!), box(items[j]!)) <= gap) parent[root(j)] = root(i);
    }
  }
  const groups = new Map<number, T[]>();
  items.forEach((item, i) => groups.set(root(i), [...(groups.get(root(i)) ?? []), item]));
  return [...groups.values()];
}

/** A big symbol is at most this many character heights wide and tall (a display integral is about 2 by 4.5). */
const SYMBOL_MAX_WIDTH = 2.5;
const SYMBOL_MAX_HEIGHT = 6;
/** ... and curved: its box is at least this wide for its height (a straight rule of a drawing is a hairline). */
const SYMBOL_MIN_ASPECT = 0.15;

/**
 * Whether a stroke is a big symbol of a formula: symbol-sized, curved, and with glyphs beside it
 * (within a character height to its left or right, level with its middle: the integrand, the
 * entries of a matrix).
 */
function isFormulaSymbol(c: Component, glyphs: readonly Component[], charHeight: number): boolean {
  const w = compWidth(c);
  const h = compHeight(c);
  if (w > SYMBOL_MAX_WIDTH * charHeight || h > SYMBOL_MAX_HEIGHT * charHeight || w < SYMBOL_MIN_ASPECT * h) return false;
  const box = compBox(c);
  const top = box.y + h / 3;
  const bottom = box.y + (2 * h) / 3;
  return glyphs.some((g) => {
    const b = compBox(g);
    const level = b.y < bottom && b.y + b.h > top;
    const right = b.x >= box.x + box.w && b.x - (box.x + box.w) <= charHeight;
    const left = b.x + b.w <= box.x && box.x - (b.x + b.w) <= charHeight;
    return level && (right || left);
  });
}

export function analyseLayout(map: ComponentMap): PageLayout {
  const comps = map.components.filter((c) => c.area >= 3);
  const charHeight = estimateCharHeight(comps, map.width, map.height);
  const figures: BBox[] = [];
  const strokes: Component[] = [];
  const glyphs: Component[] = [];
  for (const c of comps) {
    const w = compWidth(c);
    const h = compHeight(c);
    const big = Math.max(w, h) >= 3.5 * charHeight || w * h >= 10 * charHeight * charHeight;
    if (!big) glyphs.push(c);
    else if (c.area / (w * h) > 0.5 && Math.min(w, h) > 2 * charHeight) figures.push(compBox(c));
    // A long flat bar at text height is a fraction bar or rule, decided with the text below.
    else if (h <= 1.6 * charHeight && isBar(c, charHeight)) glyphs.push(c);
    else strokes.push(c);
  }

  // A lone curved stroke the size of a big symbol with text right beside it (an integral sign, a
  // big bracket of a matrix) is part of a formula, not a drawing.
  const clusters = clusterByGap(strokes, compBox, charHeight).filter((group) => {
    if (!(group.length === 1 && isFormulaSymbol(group[0]!, glyphs, charHeight))) return true;
    glyphs.push(group[0]!);
    return false;
  });
  const diagrams: DiagramLayout[] = clusters.map((group, k) => ({
    id: `diagram-${k + 1}`,
    strokes: group,
    labels: [],
    bbox: unionBox(group.map(compBox)),
  }));

  // Glyphs within reach of a diagram are label candidates of the nearest one.
  const reach = 1.5 * charHeight;
  const candidateOf = new Map<Component, DiagramLayout>();
  for (const g of glyphs) {
    let best: DiagramLayout | undefined;
    let bestGap = reach;
    for (const d of diagrams) {
      const gap = boxGap(compBox(g), d.bbox);
      if (gap <= bestGap) {
        bestGap = gap;
        best = d;
      }
    }
    if (best) candidateOf.set(g, best);
  }

  // A chunk of a text line (split at wide gaps) is diagram labels when all its glyphs are
  // candidates, or when it is short (a value such as `8y - 36` reaching out of the drawing).
  const allLines = groupTextLines(glyphs, charHeight);
  const textGlyphs: Component[] = [];
  for (const line of allLines) {
    for (const chunk of splitAtGaps(line.glyphs, charHeight)) {
      const owners = chunk.map((g) => candidateOf.get(g)).filter((d): d is DiagramLayout => d !== undefined);
      const owner = owners.length ? mostCommon(owners) : undefined;
      const short = chunk.length <= 6 && unionBox(chunk.map(compBox)).w <= 5 * charHeight;
      if (owner && (owners.length === chunk.length || short)) owner.labels.push(...chunk);
      else textGlyphs.push(...chunk);
    }
  }
  for (const d of diagrams) {
    // Thin elongated pieces (arrows, ticks) among the labels are drawing, not text.
    const thin = d.labels.filter((g) => Math.max(compWidth(g), compHeight(g)) >= 1.6 * charHeight && Math.min(compWidth(g), compHeight(g)) <= 0.3 * Math.max(compWidth(g), compHeight(g)));
    d.strokes.push(...thin);
    d.labels = d.labels.filter((g) => !thin.includes(g));
    d.bbox = unionBox([...d.strokes, ...d.labels].map(compBox));
  }
  const lines = textGlyphs.length === glyphs.length ? allLines : groupTextLines(textGlyphs, charHeight);
  return { charHeight, diagrams, lines, figures };
}

function mostCommon<T>(items: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** Splits a left-to-right glyph run where the horizontal gap exceeds one glyph height. */
function splitAtGaps(glyphs: readonly Component[], charHeight: number): Component[][] {
  const sorted = [...glyphs].sort((a, b) => a.x0 - b.x0);
  const chunks: Component[][] = [];
  let current: Component[] = [];
  let right = -Infinity;
  for (const g of sorted) {
    if (current.length && g.x0 - right > charHeight) {
      chunks.push(current);
      current = [];
    }
    current.push(g);
    right = Math.max(right, g.x1);
  }
  if (current.length) chunks.push(current);
  return chunks;
}
