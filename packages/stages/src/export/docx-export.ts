/**
 * The `docx` export, written with the `docx` library: the text as paragraphs with each formula
 * as a PNG image of its MathJax rendering (its LaTeX as the image's alt text, so it can be
 * recovered), the regenerated diagram as SVG with a PNG fallback, the problem summary as bulleted
 * sections, and the review verdict. A formula MathJax cannot parse is written as its LaTeX.
 */
import { AlignmentType, Document, HeadingLevel, ImageRun, Packer, Paragraph, TextRun, type ParagraphChild } from 'docx';
import { reviewVerdict, type ExportInputs } from './export-files';
import { isInertSvg } from './html-export';
import { mathPng, svgPixelSize, svgToPng, type MathRenderer } from './math-renderer';
import { problemSummary, type Line } from './problem-summary';
import { textBlocks } from './text-blocks';

/** Widest the diagram is drawn, in pixels at 96 dpi (a portrait page's text width is ~624). */
const MAX_DIAGRAM_PX = 480;

async function mathRun(latex: string, renderer: MathRenderer, display: boolean, index: number): Promise<ParagraphChild> {
  const rendered = await renderer.render(latex, display);
  if (!rendered) return new TextRun({ text: `$${latex}$`, font: 'Courier New' });
  return new ImageRun({
    type: 'png',
    data: await mathPng(rendered),
    transformation: { width: Math.max(1, Math.round(rendered.width)), height: Math.max(1, Math.round(rendered.height)) },
    altText: { name: `formula-${index}`, title: 'formula', description: latex },
  });
}

class Runs {
  private formulas = 0;
  constructor(private readonly renderer: MathRenderer) {}

  async line(line: Line): Promise<ParagraphChild[]> {
    const runs: ParagraphChild[] = [];
    let breakNext = false;
    for (const piece of line) {
      if (piece.text === '\n') {
        breakNext = true;
        continue;
      }
      if (piece.math !== undefined) {
        if (breakNext) runs.push(new TextRun({ text: '', break: 1 }));
        runs.push(await mathRun(piece.math, this.renderer, false, ++this.formulas));
      } else {
        runs.push(new TextRun({ text: piece.text, ...(breakNext ? { break: 1 } : {}) }));
      }
      breakNext = false;
    }
    return runs;
  }

  async display(latex: string): Promise<ParagraphChild> {
    return mathRun(latex, this.renderer, true, ++this.formulas);
  }
}

async function diagramParagraph(svg: string): Promise<Paragraph | undefined> {
  const size = svgPixelSize(svg);
  if (!size) return undefined;
  const scale = Math.min(1, MAX_DIAGRAM_PX / size.width);
  const transformation = { width: Math.round(size.width * scale), height: Math.round(size.height * scale) };
  return new Paragraph({
    alignment: AlignmentType.CENTER,
    children: [
      new ImageRun({
        type: 'svg',
        data: Buffer.from(svg),
        fallback: { type: 'png', data: await svgToPng(svg, 2) },
        transformation,
        altText: { name: 'diagram', title: 'diagram', description: 'Regenerated diagram' },
      }),
    ],
  });
}

export async function docxExport(inputs: ExportInputs, jobId: string, confidence: number, renderer: MathRenderer): Promise<Buffer> {
  const runs = new Runs(renderer);
  const children: Paragraph[] = [];
  const blocks = textBlocks(inputs.B?.text.trim() ?? '');
  if (blocks.length === 0) children.push(new Paragraph({ children: [new TextRun({ text: 'No text was recognised.', italics: true })] }));
  for (const block of blocks) {
    if (block.kind === 'display') children.push(new Paragraph({ alignment: AlignmentType.CENTER, children: [await runs.display(block.latex)] }));
    else children.push(new Paragraph({ children: await runs.line(block.pieces) }));
  }
  const diagram = inputs.F?.diagram_svg;
  const figure = diagram && isInertSvg(diagram) ? await diagramParagraph(diagram) : undefined;
  if (figure) children.push(figure);
  for (const section of inputs.E ? problemSummary(inputs.E) : []) {
    children.push(new Paragraph({ heading: HeadingLevel.HEADING_2, children: [new TextRun(section.title)] }));
    for (const line of section.lines) children.push(new Paragraph({ bullet: { level: 0 }, children: await runs.line(line) }));
  }
  const review = inputs.G;
  if (review?.review_required) {
    children.push(new Paragraph({ heading: HeadingLevel.HEADING_2, children: [new TextRun('Review')] }));
    children.push(new Paragraph({ children: [new TextRun(reviewVerdict(review, confidence))] }));
    for (const r of review.reasons) children.push(new Paragraph({ bullet: { level: 0 }, children: [new TextRun(`${r.stage} ${r.code}: ${r.message}`)] }));
  }
  const document = new Document({
    creator: 'mathpix-pipeline',
    title: `Job ${jobId}`,
    description: `confidence ${confidence.toFixed(3)}`,
    sections: [{ children }],
  });
  return Packer.toBuffer(document);
}
