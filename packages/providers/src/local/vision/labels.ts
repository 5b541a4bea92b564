/**
 * Reading a diagram's labels. Label glyphs are grouped into tokens (`A`, `4.5`, `2x + 3`); each
 * character of a token is redrawn alone (only its own components, so a line passing through the
 * box is not read) on a padded white canvas, scaled to a height tesseract reads well, and read in
 * single-character mode with a restricted alphabet. Marks tesseract handles badly on their own
 * (decimal points, minus signs, degree signs, primes) are recognised from their geometry.
 * Letter case is settled by size where the shapes are the same (`X`/`x`, `O`/`o`).
 */
import sharp from 'sharp';
import type { BBox } from '@mpp/schemas';
import type { OcrEngine } from '../tesseract-engine';
import { compBox, compHeight, compWidth, componentPixels, unionBox, type Component, type ComponentMap } from './components';

export interface LabelToken {
  components: Component[];
  bbox: BBox;
  /** Stacked fractions inside the token (`\frac{1}{4}x+5`): its bar, and what is above and below it. */
  fractions?: Fraction[];
}

export interface Fraction {
  bar: Component;
  numerator: LabelToken;
  denominator: LabelToken;
}

export interface ReadLabel extends LabelToken {
  text: string;
  /** OCR confidence, 0..1 (the weakest character's). */
  confidence: number;
  /** Each character with the height of its ink, for settling letter case. */
  characters: Array<{ text: string; height: number }>;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
/** Letters whose lower-case form is a smaller copy of the capital. */
const SAME_SHAPE = new Set('CKOPSUVWXZ'.split(''));
/** Capitals that cannot be mistaken for lower case: their height is the capital height. */
const CAPITAL_HEIGHT_REFERENCE = /^[ABDEFGHJLMNQRT0-9]$/;
/** Glyph height and padding tesseract's single-character mode reads most reliably here. */
const TARGET_HEIGHT = 30;
const PAD = 8;
/** Below this, single-character mode is retried in single-word mode. */
const RETRY_BELOW = 0.6;

/** Groups label glyphs into tokens: glyphs side by side with small gaps. */
export function groupLabelTokens(labels: readonly Component[], charHeight: number): LabelToken[] {
  const sorted = [...labels].sort((a, b) => a.x0 - b.x0);
  const tokens: Component[][] = [];
  for (const g of sorted) {
    const host = tokens.find((t) => {
      const box = unionBox(t.map(compBox));
      const gapX = g.x0 - (box.x + box.w);
      const overlapY = Math.min(g.y1, box.y + box.h - 1) - Math.max(g.y0, box.y) + 1;
      // Dots and bars are small, so the overlap test is relative to the smaller height.
      return gapX <= 0.6 * charHeight && gapX >= -compWidth(g) && overlapY >= 0.2 * Math.min(compHeight(g), box.h);
    });
    if (host) host.push(g);
    else tokens.push([g]);
  }
  return tokens.map((components) => ({ components, bbox: unionBox(components.map(compBox)) }));
}

/** A fraction bar: flat and at least half a character wide. */
function isBar(c: Component, charHeight: number): boolean {
  return compHeight(c) <= Math.max(2, 0.2 * charHeight) && compWidth(c) >= Math.max(4, 0.5 * charHeight) && compWidth(c) >= 3 * compHeight(c);
}

/**
 * Stacked fractions (`1/4 x + 5` printed as a fraction): a bar in one token with a token just
 * above and one just below it, each centred over the bar and no wider than it, become one token
 * whose `fractions` say which parts go where. Without this the bar reads as a minus and the digits
 * above and below as labels of their own.
 */
export function stackFractions(tokens: readonly LabelToken[], charHeight: number): LabelToken[] {
  const used = new Set<LabelToken>();
  const hosts = new Set<LabelToken>();
  const out: LabelToken[] = [];
  const over = (t: LabelToken, bar: Component, side: 'above' | 'below') => {
    const gap = side === 'above' ? bar.y0 - (t.bbox.y + t.bbox.h) : t.bbox.y - bar.y1;
    const centre = t.bbox.x + t.bbox.w / 2;
    return gap >= -1 && gap <= 0.6 * charHeight && centre >= bar.x0 && centre <= bar.x1 + 1 && t.bbox.w <= 1.3 * compWidth(bar) + 2 && !t.fractions;
  };
  for (const token of tokens) {
    if (used.has(token)) continue;
    const fractions: Fraction[] = [];
    for (const bar of token.components.filter((c) => isBar(c, charHeight))) {
      const candidates = tokens.filter((t) => t !== token && !used.has(t) && !hosts.has(t));
      const numerator = candidates.find((t) => over(t, bar, 'above'));
      const denominator = candidates.find((t) => over(t, bar, 'below'));
      if (!numerator || !denominator) continue;
      used.add(numerator).add(denominator);
      hosts.add(token);
      fractions.push({ bar, numerator, denominator });
    }
    if (fractions.length === 0) {
      out.push(token);
      continue;
    }
    const components = [...token.components, ...fractions.flatMap((f) => [...f.numerator.components, ...f.denominator.components])];
    out.push({ components, bbox: unionBox(components.map(compBox)), fractions });
  }
  // A token taken as a numerator or denominator after it was kept on its own is dropped there.
  return out.filter((t) => !used.has(t));
}

/** Characters of a token: components, with small marks stacked over another one (i, j) joined. */
function splitCharacters(token: LabelToken): Component[][] {
  const sorted = [...token.components].sort((a, b) => compWidth(b) * compHeight(b) - compWidth(a) * compHeight(a));
  const chars: Component[][] = [];
  for (const c of sorted) {
    const host = chars.find((ch) => {
      const base = ch[0]!;
      const overlapX = Math.min(c.x1, base.x1) - Math.max(c.x0, base.x0) + 1;
      const stacked = overlapX >= 0.5 * Math.min(compWidth(c), compWidth(base)) && (c.y1 < base.y0 || c.y0 > base.y1);
      return stacked && compHeight(c) < 0.5 * compHeight(base);
    });
    if (host) host.push(c);
    else chars.push([c]);
  }
  return chars.sort((a, b) => Math.min(...a.map((c) => c.x0)) - Math.min(...b.map((c) => c.x0)));
}

/** Punctuation-like marks told apart by where they sit in the token and their shape. */
function geometricCharacter(char: Component[], token: LabelToken, previous: string | undefined): string | undefined {
  if (char.length !== 1) return undefined;
  const c = char[0]!;
  const w = compWidth(c);
  const h = compHeight(c);
  const th = token.bbox.h;
  if (token.components.length === 1 || th < 6) return undefined;
  const top = (c.y0 - token.bbox.y) / th;
  const bottom = (c.y1 - token.bbox.y) / th;
  if (h <= 0.25 * th && w <= 0.3 * th && top > 0.6) return '.';
  if (h <= 0.2 * th && w >= 2 * h && top > 0.3 && bottom < 0.75) return '-';
  if (h <= 0.5 * th && bottom < 0.55) {
    if (h >= 1.8 * w) return "'";
    if (previous !== undefined && /[0-9)]/.test(previous)) return '°';
  }
  return undefined;
}

/**
 * A padded, upscaled PNG showing only the given components, black on white, drawn `copies`
 * times side by side: tesseract's line recogniser reads a short run of the same glyph far more
 * reliably than one isolated glyph.
 */
export async function renderComponents(map: ComponentMap, components: readonly Component[], copies = 1, targetHeight = TARGET_HEIGHT): Promise<Buffer> {
  const bbox = unionBox(components.map(compBox));
  const scale = Math.max(0.25, Math.min(4, targetHeight / Math.max(1, bbox.h)));
  // Padding and spacing are fixed in the output's pixels, whatever the source size.
  const pad = Math.round(PAD / scale);
  const gap = Math.round(0.4 * bbox.h);
  const w = copies * bbox.w + (copies - 1) * gap + 2 * pad;
  const h = bbox.h + 2 * pad;
  const pixels = Buffer.alloc(w * h, 255);
  const wanted = new Set(components.map((c) => c.label));
  for (let y = 0; y < bbox.h; y++) {
    for (let x = 0; x < bbox.w; x++) {
      const label = map.labels[(bbox.y + y) * map.width + bbox.x + x]!;
      if (!label || !wanted.has(label)) continue;
      for (let k = 0; k < copies; k++) pixels[(y + pad) * w + pad + k * (bbox.w + gap) + x] = 0;
    }
  }
  return sharp(pixels, { raw: { width: w, height: h, channels: 1 } })
    .resize(Math.round(w * scale), Math.round(h * scale), { kernel: 'cubic' })
    .withDensity(300)
    .png()
    .toBuffer();
}

/**
 * Readings tried in turn until one is confident. Single-character mode is the most accurate when
 * it answers, but it sometimes answers nothing at one scale and the right letter at another;
 * repeated copies rescue those, at the price of confusing look-alikes such as an italic Z and 2,
 * so they come last. (Chosen on the textbook fixtures at five scales: 138 of 141 labels.)
 */
const ATTEMPTS = [
  { copies: 1, mode: 'char', height: TARGET_HEIGHT },
  { copies: 1, mode: 'char', height: 40 },
  { copies: 2, mode: 'word', height: TARGET_HEIGHT },
  { copies: 3, mode: 'line', height: TARGET_HEIGHT },
] as const;

/**
 * Reads one character. A reading of n copies counts when tesseract saw the same character in
 * every copy (up to case); its confidence is the word's, lowered when the copies disagree.
 */
async function readCharacter(engine: OcrEngine, map: ComponentMap, char: readonly Component[], whitelist: string): Promise<{ text: string; confidence: number }> {
  let best = { text: '', confidence: 0 };
  for (const { copies, mode, height } of ATTEMPTS) {
    const page = await engine.recognize(await renderComponents(map, char, copies, height), { mode, whitelist });
    const words = page.lines.flatMap((l) => l.words).filter((w) => w.text.trim());
    const seen = words.map((w) => w.text.replace(/\s/g, '')).join('');
    if (!seen) continue;
    const counts = new Map<string, number>();
    for (const ch of seen) counts.set(ch.toUpperCase(), (counts.get(ch.toUpperCase()) ?? 0) + 1);
    const [top, votes] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    // Keep tesseract's case for the winner; size decides it later where shapes agree.
    const text = [...seen].find((ch) => ch.toUpperCase() === top)!;
    const agreement = votes / Math.max(copies, seen.length);
    const confidence = Math.min(...words.map((w) => w.confidence)) * agreement;
    if (confidence > best.confidence) best = { text, confidence };
    if (best.confidence >= RETRY_BELOW) break;
  }
  return best;
}

/** The part of component `c` between columns x0 and x1 (inclusive), with its own bounds. */
function componentPart(map: ComponentMap, c: Component, x0: number, x1: number): Component | undefined {
  const pixels = componentPixels(map, { ...c, x0, x1 });
  if (pixels.length === 0) return undefined;
  const ys = pixels.map((i) => Math.floor(i / map.width));
  const cx = pixels.reduce((sum, i) => sum + (i % map.width), 0) / pixels.length;
  const cy = ys.reduce((sum, y) => sum + y, 0) / pixels.length;
  return { label: c.label, x0, x1, y0: Math.min(...ys), y1: Math.max(...ys), area: pixels.length, cx, cy };
}

/**
 * Two glyphs printed touching (`2x` as one blob): a component clearly wider than it is tall, cut
 * at its thinnest column in the middle 40%, each side at least 0.4 of its height wide (an italic
 * `Z`, about as wide as tall, cut near its end leaves a sliver, and is not two glyphs).
 */
function cutAtThinnestColumn(map: ComponentMap, c: Component): [Component, Component] | undefined {
  const w = compWidth(c);
  const h = compHeight(c);
  if (w < 1.1 * h || w < 8) return undefined;
  let best = -1;
  let least = Infinity;
  for (let i = Math.round(0.3 * w); i <= Math.round(0.7 * w); i++) {
    let n = 0;
    for (let y = c.y0; y <= c.y1; y++) if (map.labels[y * map.width + c.x0 + i] === c.label) n++;
    if (n < least) [best, least] = [i, n];
  }
  if (best < 0.4 * h || w - best < 0.4 * h) return undefined;
  const left = componentPart(map, c, c.x0, c.x0 + best - 1);
  const right = componentPart(map, c, c.x0 + best, c.x1);
  return left && right ? [left, right] : undefined;
}

/**
 * Reads a character; one read unsurely that may be two glyphs touching is cut in two, and the
 * halves are kept when each reads more surely than the whole did.
 */
async function readCharacterOrPair(engine: OcrEngine, map: ComponentMap, char: readonly Component[], whitelist: string): Promise<Array<{ text: string; confidence: number; part: readonly Component[] }>> {
  const whole = await readCharacter(engine, map, char, whitelist);
  const halves = char.length === 1 && whole.confidence < RETRY_BELOW ? cutAtThinnestColumn(map, char[0]!) : undefined;
  if (halves) {
    const [left, right] = [await readCharacter(engine, map, [halves[0]], whitelist), await readCharacter(engine, map, [halves[1]], whitelist)];
    if (left.text && right.text && Math.min(left.confidence, right.confidence) > whole.confidence) {
      return [{ ...left, part: [halves[0]] }, { ...right, part: [halves[1]] }];
    }
  }
  return whole.text ? [{ ...whole, part: char }] : [];
}

async function readToken(engine: OcrEngine, map: ComponentMap, whole: LabelToken): Promise<ReadLabel> {
  if (whole.fractions?.length) return readWithFractions(engine, map, whole, whole.fractions);
  const token = whole;
  const chars = splitCharacters(token);
  const whitelist = chars.length > 1 ? LETTERS + DIGITS + '+()' : LETTERS + DIGITS;
  const characters: ReadLabel['characters'] = [];
  let confidence = 1;
  for (const char of chars) {
    const mark = geometricCharacter(char, token, characters.at(-1)?.text);
    if (mark) {
      characters.push({ text: mark, height: 0 });
      continue;
    }
    for (const read of await readCharacterOrPair(engine, map, char, whitelist)) {
      characters.push({ text: read.text, height: unionBox(read.part.map(compBox)).h });
      confidence = Math.min(confidence, read.confidence);
    }
  }
  const text = characters.map((c) => c.text).join('');
  return { ...token, text, confidence: text ? Math.max(0, Math.min(1, confidence)) : 0, characters };
}

/**
 * A token with stacked fractions: the parts on the line (without the bars) are read as a token of
 * their own, each numerator and denominator likewise, and the fractions go in at their bars'
 * places: `\frac{1}{4}x+5`, `66-\frac{2}{3}y`.
 */
async function readWithFractions(engine: OcrEngine, map: ComponentMap, whole: LabelToken, fractions: readonly Fraction[]): Promise<ReadLabel> {
  const bars = new Set(fractions.map((f) => f.bar));
  const inner = new Set(fractions.flatMap((f) => [...f.numerator.components, ...f.denominator.components]));
  const onLine = whole.components.filter((c) => !bars.has(c) && !inner.has(c));
  const pieces: Array<{ x: number; read: ReadLabel; fraction?: { numerator: ReadLabel; denominator: ReadLabel } }> = [];
  for (const f of fractions) {
    const [numerator, denominator] = [await readToken(engine, map, f.numerator), await readToken(engine, map, f.denominator)];
    pieces.push({ x: f.bar.x0, read: numerator, fraction: { numerator, denominator } });
  }
  // The line's characters between and around the fractions, each run read as one token.
  const sortedBars = [...fractions].sort((a, b) => a.bar.x0 - b.bar.x0);
  const runs: Component[][] = Array.from({ length: sortedBars.length + 1 }, () => []);
  for (const c of onLine) {
    const after = sortedBars.filter((f) => c.x0 > f.bar.x0).length;
    runs[after]!.push(c);
  }
  for (const run of runs.filter((r) => r.length)) {
    const box = unionBox(run.map(compBox));
    const read = await readToken(engine, map, { components: run, bbox: box });
    pieces.push({ x: box.x, read });
  }
  pieces.sort((a, b) => a.x - b.x);
  const parts = pieces.flatMap((p) => (p.fraction ? [p.fraction.numerator, p.fraction.denominator] : [p.read]));
  const readable = parts.every((p) => p.text);
  // A fraction is one "character" here, so settling letter case leaves it whole.
  const characters = pieces.flatMap((p) => (p.fraction ? [{ text: `\\frac{${p.fraction.numerator.text}}{${p.fraction.denominator.text}}`, height: 0 }] : p.read.characters));
  const text = characters.map((c) => c.text).join('');
  return { ...whole, text: readable ? text : '', confidence: readable ? Math.min(...parts.map((p) => p.confidence)) : 0, characters };
}

/**
 * Letters whose case tesseract guessed from shape alone get the case their height says,
 * compared with the capital height of the diagram (unambiguous capitals and digits).
 */
function settleLetterCase(labels: ReadLabel[]): void {
  const reference = labels
    .flatMap((l) => l.characters)
    .filter((c) => CAPITAL_HEIGHT_REFERENCE.test(c.text))
    .map((c) => c.height)
    .sort((a, b) => a - b);
  const capital = reference.length
    ? reference[Math.floor(reference.length / 2)]!
    : Math.max(0, ...labels.flatMap((l) => l.characters.map((c) => c.height)));
  for (const l of labels) {
    for (const c of l.characters) {
      if (/^[A-Za-z]$/.test(c.text) && SAME_SHAPE.has(c.text.toUpperCase())) {
        c.text = c.height >= 0.85 * capital ? c.text.toUpperCase() : c.text.toLowerCase();
      }
    }
    l.text = l.characters.map((c) => c.text).join('');
  }
}

/** Reads every token; tokens with nothing readable are dropped. */
export async function readLabels(engine: OcrEngine, map: ComponentMap, tokens: readonly LabelToken[]): Promise<ReadLabel[]> {
  const read: ReadLabel[] = [];
  // Sequential on purpose: the engine serialises calls anyway, and this keeps memory flat.
  for (const token of tokens) {
    const label = await readToken(engine, map, token);
    if (label.text) read.push(label);
  }
  settleLetterCase(read);
  return read;
}
