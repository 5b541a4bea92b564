import { TextParseOutput } from '@mpp/schemas';
import { analyseText } from '../../src/alignment/text-analysis';
import { namedId } from '../../src/alignment/entity-ids';
import { findItems } from '../../src/alignment/text-chunks';
import { textbook11Text } from '../support/textbook11-upstream';

function textOnly(text: string): TextParseOutput {
  return TextParseOutput.parse({ provider: 'local', confidence: 0.9, duration_ms: 1, text, lines: [], formulas: [] });
}

const ids = (text: string) => analyseText(textOnly(text)).entities.map((e) => e.id);

describe('text analysis', () => {
  test('reads the points, named objects and values of textbook problem 11', () => {
    const analysis = analyseText(textbook11Text());
    const entityIds = analysis.entities.map((e) => e.id);
    for (const p of 'ABCDMNXYZ') expect(entityIds).toContain(`point:${p}`);
    expect(entityIds).toEqual(expect.arrayContaining(['circle:X', 'segment:AB', 'segment:CD', 'arc:CZ', 'segment:AM', 'segment:BM']));
    const values = analysis.entities.filter((e) => e.kind === 'value');
    expect(values.map((v) => [v.subject, v.value])).toEqual([['segment:AB', 30], ['segment:CD', 30], ['arc:CZ', 40]]);
  });

  test('takes the targets from the question part only, as canonical ids', () => {
    const { targets } = analyseText(textbook11Text());
    expect(targets).toEqual(['segment:AM', 'segment:BM', 'segment:CN', 'segment:DN', 'arc:DZ', 'arc:CD', 'arc:AB', 'arc:BY']);
    expect(targets).not.toContain('segment:AB');
  });

  test('keeps the spelling the text uses next to the canonical id', () => {
    const mb = analyseText(textbook11Text()).entities.find((e) => e.id === 'segment:BM');
    expect(mb?.text).toBe('MB');
    expect(mb?.refs).toEqual(['B', 'M']);
  });

  test('reads Mathpix spacing (A B=30, m \\widehat{C Z}) like compact LaTeX', () => {
    const spaced = analyseText(textOnly('In $\\odot X, A B=30, C D=30,$ and $m \\widehat{C Z}=40$. Find $m\\widehat{A B}$'));
    expect(spaced.entities.filter((e) => e.kind === 'value').map((v) => [v.subject, v.value])).toEqual([['segment:AB', 30], ['segment:CD', 30], ['arc:CZ', 40]]);
    expect(spaced.targets).toEqual(['arc:AB']);
  });

  test('reads OCR prose without math markup: OX as the circle, mCZ as an arc measure', () => {
    const prose = analyseText(textOnly('In OX, AB = 30, CD = 30, and mCZ = 40.\nFind each measure.\n11. AM 12. MB'));
    const entityIds = prose.entities.map((e) => e.id);
    expect(entityIds).toContain('circle:X');
    expect(entityIds).not.toContain('point:O');
    expect(prose.entities.find((e) => e.subject === 'arc:CZ')?.value).toBe(40);
    expect(prose.targets).toEqual(['segment:AM', 'segment:BM']);
  });

  test('reads only a name or a leading number after "=" in prose', () => {
    const prose = analyseText(textOnly('Here mCZ = 40 degrees and AB = CD, while x = 2 + y is unclear.'));
    expect(prose.statements).toEqual([
      expect.objectContaining({ kind: 'value', subjectId: 'arc:CZ', value: 40, measured: true }),
      expect.objectContaining({ kind: 'equation', subjectId: 'segment:AB', otherId: 'segment:CD' }),
    ]);
  });

  test('keeps OX a segment when the text names point O elsewhere', () => {
    expect(ids('Point O is the centre. Find OX.')).toContain('segment:OX');
  });

  test('does not read the article "A" as a point', () => {
    expect(ids('A circle has radius 5.')).not.toContain('point:A');
    expect(ids('Find the distance from A to B.')).toEqual(expect.arrayContaining(['point:A', 'point:B']));
    expect(ids('The circle is tangent at B. A line through B meets it.')).not.toContain('point:A');
  });

  test('does not read a page or exercise reference in prose ("page R7") as a point', () => {
    // textbook/16's header: "Extra Practice is on page R7."
    expect(ids('Extra Practice is on page R7. If $AB = 6$, find $ED$.')).not.toContain('point:R');
    expect(ids('See Exercise B2, then find point B.')).toEqual(['point:B']);
    expect(ids('If $R_1 = 7$, find $R$.')).toContain('point:R');
  });

  test('reads angles, lines, rays and triangles written as LaTeX commands', () => {
    const found = ids('In $\\triangle ABC$, $m\\angle CBA = 60^{\\circ}$, $\\overleftrightarrow{PQ}$ and $\\overrightarrow{ST}$.');
    expect(found).toEqual(expect.arrayContaining(['polygon:ABC', 'angle:ABC', 'line:PQ', 'ray:ST']));
    const angle = analyseText(textOnly('$m\\angle CBA = 60^{\\circ}$')).statements[0];
    expect(angle).toMatchObject({ kind: 'value', subjectId: 'angle:ABC', value: 60, measured: true });
  });

  test('reads equations with expressions and between objects', () => {
    const { statements } = analyseText(textOnly('$AD = 2x+3$ and $AB = CD$, so $x^2 + 1 = 10$.'));
    expect(statements).toEqual([
      expect.objectContaining({ kind: 'equation', subjectId: 'segment:AD', expression: '2x+3' }),
      expect.objectContaining({ kind: 'equation', subjectId: 'segment:AB', otherId: 'segment:CD' }),
      expect.objectContaining({ kind: 'equation', text: 'x^2 + 1 = 10' }),
    ]);
    expect(statements[2]?.subjectId).toBeUndefined();
  });

  test('finds variables asked for in prose and in math', () => {
    expect(analyseText(textOnly('Find x. Assume that segments that appear to be tangent are tangent.')).targets).toEqual(['variable:x']);
    expect(analyseText(textOnly('Find $y$ so that the quadrilateral is a parallelogram.')).targets).toEqual(['variable:y']);
  });

  test('starts the question at an imperative after a comma', () => {
    const analysis = analyseText(textOnly('If $AD=27,AB=8$, and $AE=12$, find $BC$.'));
    expect(analysis.targets).toEqual(['segment:BC']);
    expect(analysis.statements.map((s) => s.subjectId)).toEqual(['segment:AD', 'segment:AB', 'segment:AE']);
  });

  test('does not take a value the question itself gives for a target', () => {
    expect(analyseText(textOnly('Find $x$ if $AB = 3$.')).targets).toEqual(['variable:x']);
  });

  test('boxes an entity where an OCR word spells it', () => {
    const text = textbook11Text();
    const entities = analyseText(text).entities;
    expect(entities.find((e) => e.id === 'segment:AM')?.bbox).toEqual(text.lines[2]?.words[1]?.bbox);
  });

  test('boxes an entity at its formula when no word spells it', () => {
    const bbox = { x: 40, y: 8, w: 44, h: 28 };
    const text = TextParseOutput.parse({ provider: 'x', confidence: 0.9, duration_ms: 1, text: 'In $\\odot X$.', lines: [], formulas: [{ latex: '\\odot X', bbox, confidence: 0.9 }] });
    expect(analyseText(text).entities.find((e) => e.id === 'circle:X')?.bbox).toEqual(bbox);
  });

  test('falls back to the formulas when the text is empty', () => {
    const fromFormulas = TextParseOutput.parse({ provider: 'x', confidence: 0.9, duration_ms: 1, text: '', lines: [], formulas: [{ latex: 'AB = 30', confidence: 0.9 }] });
    expect(analyseText(fromFormulas).entities.map((e) => e.id)).toContain('segment:AB');
  });

  test('gives one id to both spellings of a reversible name', () => {
    expect(namedId('segment', 'MB')).toBe(namedId('segment', 'BM'));
    expect(namedId('angle', 'CBA')).toBe('angle:ABC');
    expect(namedId('polygon', 'CDAB')).toBe('polygon:ABCD');
    expect(namedId('ray', 'BA')).toBe('ray:BA');
  });

  test('splits a worksheet into its exercises, each with its givens and its question', () => {
    const sheet = 'Extra Practice is on page R7.\n10. If $AB = 6$, $BC = 4$, find $ED$.\n\n11. If $AB = 12$, $ED = 5$, find $AE$.\n12. If $AC = 14$, find $ED$.';
    expect(findItems(sheet)).toHaveLength(3);
    const analysis = analyseText(textOnly(sheet));
    const values = analysis.statements.filter((st) => st.kind === 'value');
    expect(values.map((v) => [v.subjectId, v.value, v.item, v.inQuestion])).toEqual([
      ['segment:AB', 6, 0, false], ['segment:BC', 4, 0, false],
      ['segment:AB', 12, 1, false], ['segment:DE', 5, 1, false],
      ['segment:AC', 14, 2, false],
    ]);
    expect(analysis.targets).toEqual(['segment:DE', 'segment:AE']);
    // One problem whose question has parts on the lines below stays one item, the parts all question.
    expect(findItems('In $\\odot X$, $AB = 30$. Find each measure.\n1. $AM$\n2. $MB$')).toHaveLength(1);
  });
});
