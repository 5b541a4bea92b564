/**
 * Stage B's Markdown-style text as blocks for the HTML, SVG and DOCX exports: paragraphs (split
 * at blank lines, a single newline kept as a line break) made of prose and inline-math pieces,
 * and displayed formulas as blocks of their own.
 */
import { splitChunks } from '../alignment/text-chunks';
import type { Piece } from './problem-summary';

/** A `{ text: '\n' }` piece inside a paragraph is a line break. */
export type TextBlock = { kind: 'paragraph'; pieces: Piece[] } | { kind: 'display'; latex: string };

export function textBlocks(text: string): TextBlock[] {
  const blocks: TextBlock[] = [];
  let current: Piece[] = [];
  const flush = () => {
    while (current.length > 0 && current[current.length - 1]?.text === '\n') current.pop();
    if (current.some((p) => p.math !== undefined || (p.text ?? '').trim().length > 0)) blocks.push({ kind: 'paragraph', pieces: current });
    current = [];
  };
  for (const chunk of splitChunks(text)) {
    if (chunk.inMath && chunk.display) {
      flush();
      blocks.push({ kind: 'display', latex: chunk.text.trim() });
    } else if (chunk.inMath) {
      current.push({ math: chunk.text.trim() });
    } else {
      chunk.text.split(/[ \t]*\n[ \t]*\n\s*/).forEach((para, i) => {
        if (i > 0) flush();
        para.split(/[ \t]*\n[ \t]*/).forEach((line, j) => {
          if (j > 0 && current.length > 0) current.push({ text: '\n' });
          if (line.length > 0) current.push({ text: line.replace(/\\\$/g, '$') });
        });
      });
    }
  }
  flush();
  return blocks;
}
