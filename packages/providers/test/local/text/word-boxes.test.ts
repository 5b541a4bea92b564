/**
 * Word boxes fitted to the ink (word-boxes.ts) and glued words split by their ink (assemble.ts),
 * on hand-made OCR answers whose boxes are off the way tesseract's are.
 */
import type { BBox } from '@mpp/schemas';
import type { OcrLine, OcrWord } from '../../../src/local/tesseract-engine';
import { assembleText } from '../../../src/local/text/assemble';
import { fitWordsToInk } from '../../../src/local/text/word-boxes';

const word = (text: string, bbox: BBox): OcrWord => ({ text, bbox, confidence: 0.9 });
const line = (...words: OcrWord[]): OcrLine => ({ text: words.map((w) => w.text).join(' '), bbox: words[0]!.bbox, confidence: 0.9, words });

describe('fitWordsToInk', () => {
  it('takes in the foot of an italic A that starts left of the word box, and drops what the box took from the line above', () => {
    // "If AD": tesseract's box for AD starts 10 px inside the A and reaches up into the line above.
    const lines = [line(word('If', { x: 192, y: 178, w: 11, h: 18 }), word('AD', { x: 217, y: 170, w: 20, h: 27 }))];
    const glyphs = [
      { x: 189, y: 179, w: 6, h: 14 }, { x: 196, y: 178, w: 7, h: 15 }, // I, f
      { x: 207, y: 179, w: 14, h: 14 }, { x: 223, y: 179, w: 14, h: 14 }, // A, D
    ];
    const [fitted] = fitWordsToInk(lines, glyphs);
    expect(fitted!.words[1]!.bbox).toEqual({ x: 207, y: 179, w: 30, h: 14 });
    expect(fitted!.words[0]!.bbox).toEqual({ x: 189, y: 178, w: 14, h: 15 });
  });

  it('leaves a box alone when the ink it meets would move it onto something else', () => {
    // A long rule under the word overlaps its box a little: taking it would triple the box.
    const lines = [line(word('AB', { x: 100, y: 50, w: 30, h: 16 }))];
    const [fitted] = fitWordsToInk(lines, [{ x: 60, y: 64, w: 200, h: 3 }]);
    expect(fitted!.words[0]!.bbox).toEqual({ x: 100, y: 50, w: 30, h: 16 });
  });
});

describe('glued words split by their ink', () => {
  it('gives each part of "6,BC=" the columns of its own characters, not a share by character count', () => {
    const glued = word('6,BC=', { x: 100, y: 10, w: 60, h: 16 });
    const glyphs = [
      { x: 100, y: 11, w: 9, h: 14 }, // 6
      { x: 111, y: 21, w: 3, h: 6 }, // ,
      { x: 118, y: 11, w: 13, h: 14 }, // B
      { x: 132, y: 11, w: 13, h: 14 }, // C
      { x: 149, y: 15, w: 11, h: 2 }, { x: 149, y: 20, w: 11, h: 2 }, // = (two bars, one column)
    ];
    const out = assembleText([line(glued)], [['prose']], 14, new Map(), glyphs);
    const boxes = Object.fromEntries(out.lines[0]!.words.map((w) => [w.text, w.bbox]));
    expect(boxes['BC']).toEqual({ x: 118, y: 10, w: 27, h: 16 });
    expect(boxes['=']).toEqual({ x: 149, y: 10, w: 11, h: 16 });
    // Without the ink the parts share the box by character count, as before.
    const blind = assembleText([line(glued)], [['prose']], 14);
    expect(Object.fromEntries(blind.lines[0]!.words.map((w) => [w.text, w.bbox]))['BC']).toEqual({ x: 124, y: 10, w: 24, h: 16 });
  });
});
