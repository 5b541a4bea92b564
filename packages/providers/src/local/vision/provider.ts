/**
 * The local (no API key) vision provider for stage C: layout regions and diagram geometry from
 * the pixels alone. Decode and binarise with sharp and Otsu, label connected components, split
 * them into text lines, formulas and diagrams, then analyse each diagram's strokes (circles,
 * segments, dots) and read its labels with the OCR engine.
 *
 * It matches the `VisionProvider` interface of @mpp/stages structurally; this package does not
 * import the stages package (stages depend on providers, never the other way round).
 */
import type { BBox, Region, VisionParseOutput } from '@mpp/schemas';
import { localProviderVersion } from '../../provider-version';
import { withSignal, type OcrEngine } from '../tesseract-engine';
import { labelComponents } from './components';
import { analyseDiagram, ElementIds, type DiagramAnalysis } from './diagram';
import { analyseLayout } from './layout';
import { binarise, decodeGray } from './raster';
import { analysisScale, scaleElement, scaleRegion } from './scale';

/** What the provider returns: the stage output without the fields the stage adds itself. */
export type LocalVisionResult = Omit<VisionParseOutput, 'provider' | 'duration_ms' | 'fallback_reason'>;

export interface LocalVisionCallOptions {
  signal: AbortSignal;
  hints?: Record<string, unknown>;
}

const readingOrder = (a: { bbox: BBox }, b: { bbox: BBox }): number => {
  // Same line when their vertical centres are within half the smaller height.
  const ca = a.bbox.y + a.bbox.h / 2;
  const cb = b.bbox.y + b.bbox.h / 2;
  if (Math.abs(ca - cb) <= 0.5 * Math.min(a.bbox.h, b.bbox.h)) return a.bbox.x - b.bbox.x;
  return ca - cb;
};

const mean = (values: number[]): number | undefined => (values.length ? values.reduce((s, v) => s + v, 0) / values.length : undefined);

export class LocalVisionProvider {
  readonly name = 'local';
  /** What changes this provider's answers besides its name: engine and data versions (provider-version.ts). */
  readonly version = localProviderVersion();

  /** `ocr` reads diagram labels only; in production pass `sharedTesseractEngine()`. */
  constructor(private readonly ocr: OcrEngine) {}

  async analyse(image: Buffer, opts: LocalVisionCallOptions): Promise<LocalVisionResult> {
    opts.signal.throwIfAborted();
    const { gray, toInput } = await analysisScale(await decodeGray(image));
    const map = labelComponents(binarise(gray));
    const layout = analyseLayout(map);
    opts.signal.throwIfAborted();

    const ids = new ElementIds();
    // Every label read waits for the OCR engine; a cancelled or timed-out job stops waiting.
    const ocr = withSignal(this.ocr, opts.signal);
    const analyses: Array<{ id: string; bbox: BBox; result: DiagramAnalysis }> = [];
    for (const diagram of layout.diagrams) {
      const result = await analyseDiagram(map, diagram, layout.charHeight, ocr, ids);
      analyses.push({ id: diagram.id, bbox: diagram.bbox, result });
      opts.signal.throwIfAborted();
    }

    const regions: Region[] = [];
    for (const { id, bbox, result } of analyses) {
      regions.push({ id, type: 'diagram', bbox, confidence: result.kind === 'unknown' ? 0.5 : 0.85 });
    }
    layout.figures.forEach((bbox, k) => regions.push({ id: `figure-${k + 1}`, type: 'figure', bbox, confidence: 0.6 }));
    let lineCount = 0;
    let formulaCount = 0;
    for (const line of [...layout.lines].sort(readingOrder)) {
      const glyphs = line.glyphs.length;
      if (line.isFormula) {
        regions.push({ id: `formula-${++formulaCount}`, type: 'formula', bbox: line.bbox, confidence: glyphs >= 3 ? 0.7 : 0.5 });
        continue;
      }
      regions.push({ id: `line-${++lineCount}`, type: 'text_line', bbox: line.bbox, confidence: glyphs >= 3 ? 0.8 : 0.6 });
      for (const bbox of line.formulas) regions.push({ id: `formula-${++formulaCount}`, type: 'formula', bbox, confidence: 0.6 });
    }

    const elements = analyses.flatMap((a) => a.result.elements).map((e) => scaleElement(e, toInput));
    const relations = analyses.flatMap((a) => a.result.relations);
    const kinds = new Set(analyses.map((a) => a.result.kind));
    const diagram_type: LocalVisionResult['diagram_type'] = kinds.has('graph') ? 'graph' : kinds.has('geometry') ? 'geometry' : analyses.length ? 'unknown' : 'none';
    const regionConfidence = mean(regions.map((r) => r.confidence)) ?? 0.3;
    const elementConfidence = mean(elements.map((e) => e.confidence));
    const confidence = elementConfidence === undefined ? regionConfidence : 0.4 * regionConfidence + 0.6 * elementConfidence;
    return {
      confidence: Math.round(confidence * 100) / 100,
      diagram_type,
      regions: regions.map((r) => scaleRegion(r, toInput)),
      elements,
      relations,
    };
  }
}
