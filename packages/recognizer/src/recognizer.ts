/**
 * MathRecognizer: a grayscale crop of a printed formula in, normalised LaTeX out, with a box and
 * a confidence per symbol. Pipeline: decode and binarise, connected components, segmentation into
 * symbols (grouping stacked parts, splitting touching glyphs), template classification, look-alike
 * resolution by context, function names, recursive layout parse, LaTeX emission.
 */
import sharp from 'sharp';
import { throwIfAborted } from './errors';
import { TemplateClassifier } from './classify/classifier';
import { cropSymbol, inkFill } from './classify/crop';
import { binarize, connectedComponents, otsuThreshold, type ComponentMap } from './image/components';
import { toInkImage, type InkImage, type RawGrey } from './image/ink-image';
import { mergeEllipses } from './layout/ellipsis';
import { mergeFunctionNames } from './layout/functions';
import { resolveLookalikes } from './layout/lookalikes';
import { applyStylePriors } from './layout/styles';
import { parse } from './layout/parse';
import { symbolUnit, typicalEm, type Sym } from './layout/units';
import { emit } from './latex/emit';
import { estimateEm, segmentSymbols, type SegmentContext } from './segment/segment';
import { loadOrBuildTemplates } from './templates/cache';
import type { TemplateSet } from './templates/template-set';

export interface RecognizedSymbol {
  latex: string;
  bbox: { x: number; y: number; w: number; h: number };
  confidence: number;
}

export interface Recognition {
  latex: string;
  symbols: RecognizedSymbol[];
  confidence: number;
  ms: number;
}

export interface RecognizerOptions {
  /** Directory where the templates built at start-up are cached (e.g. PIPELINE_CACHE_DIR). */
  cacheDir?: string;
}

/** Formulas are read at about this size; much larger crops are scaled down first. The em hint
 * (median component height) overshoots by ~20% on formulas of capitals, and templates reach 35
 * px/em, so only crops well beyond that are reduced (a 28 px/em formula lost its accents). */
const MAX_EM_PX = 44;
const TARGET_EM_PX = 20;
/**
 * Small crops are enlarged before they are binarised: at 13-16 px/em a script is 9-11 px tall and
 * a threshold at native size breaks thin strokes and fuses close glyphs, while the grey levels of
 * an anti-aliased print still hold the shape. Lanczos resampling turns them into pixels that the
 * threshold, the segmentation and the templates (7.5-35 px/em) can use. Measured on the benchmark
 * (em hint = median component height / 0.58, about 1.2x the true em): x2 below a hint of 20 and
 * x1.5 below 26 gave the synthetic set 56% -> 66% image match and im2latex-dev 45% -> 52%;
 * factors that take the em past about 40 px, or that follow the hint continuously, did worse.
 */
const ENLARGE_STEPS: ReadonlyArray<readonly [belowEm: number, factor: number]> = [
  [20, 2],
  [26, 1.5],
];
/**
 * The em hint misjudges some pictures, and at 13-16 px/em the threshold decides whether close
 * glyphs touch and thin strokes survive. A reading less confident than RETRY_BELOW is done again
 * as listed for its enlargement factor (a neighbouring factor, or the same factor with the
 * threshold moved by `shift` levels of ink darkness from Otsu's), until one is confident, and the
 * most confident reading is kept. A smaller factor thins the strokes, so it goes with a lower
 * threshold, and a larger one with a higher. Chosen by reading every benchmark formula at five
 * factors and seven thresholds and simulating orders and stopping rules; against retrying at the
 * neighbouring factors only, synthetic image match +2.0 points and im2latex-dev +2.4, in the same
 * time (two readings per formula on average, about twice the time of one).
 */
const RETRY_BELOW = 0.9;
interface Retry {
  factor: number;
  shift: number;
}
const RETRIES: Readonly<Record<string, readonly Retry[]>> = {
  '2': [
    { factor: 1.5, shift: -15 },
    { factor: 2, shift: 30 },
  ],
  '1.5': [
    { factor: 2, shift: 15 },
    { factor: 1.5, shift: -30 },
  ],
  '1': [{ factor: 1.5, shift: 0 }],
};
/** Pictures with a larger em hint are read once, at native size. */
const RETRY_MAX_EM = 32;

const sharedSets = new Map<string, Promise<TemplateSet>>();

export class MathRecognizer {
  private readonly multipart: Set<string>;

  private constructor(private readonly classifier: TemplateClassifier, set: TemplateSet) {
    this.multipart = multipartLabels(set);
  }

  /** Builds (or reads from `cacheDir`) the templates; one set is shared per process and directory. */
  static async create(opts: RecognizerOptions = {}): Promise<MathRecognizer> {
    const key = opts.cacheDir ?? '';
    let set = sharedSets.get(key);
    if (!set) {
      set = loadOrBuildTemplates(opts.cacheDir);
      sharedSets.set(key, set);
      set.catch(() => sharedSets.delete(key));
    }
    const templates = await set;
    return new MathRecognizer(new TemplateClassifier(templates), templates);
  }

  async recognize(image: Buffer | RawGrey, opts: { signal?: AbortSignal } = {}): Promise<Recognition> {
    const started = performance.now();
    throwIfAborted(opts.signal);
    const native = await toInkImage(image);
    throwIfAborted(opts.signal);
    const map = componentsOf(native);
    const emHint = estimateEm(map.components);
    let reading: Reading;
    if (emHint > MAX_EM_PX) {
      const scale = TARGET_EM_PX / emHint;
      reading = this.read(downscale(native, scale), scale, opts.signal);
    } else {
      const step = ENLARGE_STEPS.find(([below]) => emHint < below);
      const factor = step ? step[1] : 1;
      const pictures = new Map<number, Promise<InkImage>>([[1, Promise.resolve(native)]]);
      const pictureAt = (f: number): Promise<InkImage> => {
        let picture = pictures.get(f);
        if (!picture) pictures.set(f, (picture = enlarge(native, f)));
        return picture;
      };
      reading = factor === 1 ? this.read(native, 1, opts.signal, { map, emHint }) : this.read(await pictureAt(factor), factor, opts.signal);
      for (const retry of emHint < RETRY_MAX_EM ? (RETRIES[String(factor)] ?? []) : []) {
        if (reading.confidence >= RETRY_BELOW) break;
        const other = this.read(await pictureAt(retry.factor), retry.factor, opts.signal, undefined, retry.shift);
        if (other.confidence > reading.confidence) reading = other;
      }
    }
    return { ...reading, ms: Math.round(performance.now() - started) };
  }

  /** One reading of a picture that is `scale` times the input (boxes are given in input pixels),
   * binarised `shift` levels above Otsu's threshold; `known` is what was already worked out for
   * this very picture at Otsu's threshold. */
  private read(img: InkImage, scale: number, signal: AbortSignal | undefined, known?: { map: ComponentMap; emHint: number }, shift = 0): Reading {
    const map = known?.map ?? componentsOf(img, shift);
    const emHint = known?.emHint ?? estimateEm(map.components);
    const ctx: SegmentContext = { img, map, classifier: this.classifier, multipart: this.multipart, emHint, readings: new Map() };
    const hyps = segmentSymbols(ctx);
    throwIfAborted(signal);
    const syms: Sym[] = hyps.map((h, id) => ({ id, box: h.box, cands: h.cands, fill: inkFill(cropSymbol(img, map, h.comps, h.box)), ...(h.shape ? { shape: h.shape } : {}), ...(h.radical ? { radical: h.radical } : {}) }));
    let units = syms.map((s) => symbolUnit(s, emHint));
    const em = typicalEm(units, emHint);
    units = syms.map((s) => symbolUnit(s, em));
    units = mergeEllipses(resolveLookalikes(units, em), em);
    units = applyStylePriors(units, em);
    units = mergeFunctionNames(units);
    const tokens = emit(parse(units, em));
    const symbols = collectSymbols(units, 1 / scale);
    return { latex: tokens.join(' '), symbols, confidence: overallConfidence(symbols) };
  }
}

type Reading = Omit<Recognition, 'ms'>;

function componentsOf(img: InkImage, shift = 0): ComponentMap {
  const threshold = shift === 0 ? otsuThreshold(img) : Math.min(230, Math.max(30, otsuThreshold(img) + shift));
  return connectedComponents(binarize(img, threshold), img.width, img.height);
}

async function enlarge(img: InkImage, factor: number): Promise<InkImage> {
  const width = Math.round(img.width * factor);
  const height = Math.round(img.height * factor);
  const { data } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } })
    .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, width * height) };
}

function downscale(img: InkImage, scale: number): InkImage {
  const width = Math.max(1, Math.round(img.width * scale));
  const height = Math.max(1, Math.round(img.height * scale));
  const sum = new Float64Array(width * height);
  const count = new Float64Array(width * height);
  for (let y = 0; y < img.height; y++) {
    const ty = Math.min(height - 1, Math.floor(y * scale));
    for (let x = 0; x < img.width; x++) {
      const t = ty * width + Math.min(width - 1, Math.floor(x * scale));
      sum[t]! += img.data[y * img.width + x]!;
      count[t]! += 1;
    }
  }
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = count[i]! > 0 ? Math.round(sum[i]! / count[i]!) : 0;
  return { width, height, data };
}

function multipartLabels(set: TemplateSet): Set<string> {
  const votes = new Map<string, [number, number]>();
  for (const m of set.metas) {
    if (m.pxPerEm < 15) continue;
    const v = votes.get(m.label) ?? [0, 0];
    v[m.parts >= 2 ? 0 : 1] += 1;
    votes.set(m.label, v);
  }
  return new Set([...votes].filter(([, [multi, single]]) => multi > single).map(([label]) => label));
}

/** A symbol's confidence: how well its template matched and how far ahead of the runner-up. */
function symbolConfidence(sym: Sym): number {
  const [first, second] = sym.cands;
  if (!first) return 0;
  if (sym.shape) return 0.95;
  const quality = Math.min(1, Math.max(0, (first.score - 0.55) / 0.4));
  const margin = second ? Math.min(1, Math.max(0, (first.score - second.score) / 0.08)) : 1;
  return Math.round((quality * (0.6 + 0.4 * margin)) * 1000) / 1000;
}

function collectSymbols(units: ReturnType<typeof symbolUnit>[], inverseScale: number): RecognizedSymbol[] {
  const out: RecognizedSymbol[] = [];
  for (const u of units) {
    const syms = u.node.t === 'sym' ? [u.node.sym] : u.node.t === 'func' ? u.node.syms : [];
    for (const sym of syms) {
      const label = sym.cands[0]?.label ?? '?';
      const b = sym.box;
      out.push({
        latex: sym.shape === 'radical' ? '\\sqrt' : label,
        bbox: { x: Math.round(b.x * inverseScale), y: Math.round(b.y * inverseScale), w: Math.round(b.w * inverseScale), h: Math.round(b.h * inverseScale) },
        confidence: symbolConfidence(sym),
      });
    }
  }
  return out.sort((a, b) => a.bbox.x - b.bbox.x);
}

function overallConfidence(symbols: RecognizedSymbol[]): number {
  if (symbols.length === 0) return 0;
  const logMean = symbols.reduce((s, x) => s + Math.log(Math.max(0.02, x.confidence)), 0) / symbols.length;
  return Math.round(Math.exp(logMean) * 1000) / 1000;
}
