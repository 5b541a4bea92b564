import { applyReviewCorrections, ReviewCorrectionError } from '@mpp/stages';
import type { RegenerationOutput, SemanticGraphOutput, TextParseOutput } from '@mpp/schemas';

const box = { x: 0, y: 0, w: 10, h: 10 };
const B: TextParseOutput = {
  provider: 'local',
  confidence: 0.4,
  duration_ms: 1,
  text: 'Solve $x^2 = 4$ and $$y = 3$$ then $x^2 = 4$ again.',
  lines: [{ text: 'Solve $x^2 = 4$ and', bbox: box, confidence: 0.4, type: 'mixed', words: [] }],
  formulas: [
    { latex: 'x^2 = 4', display: false, bbox: box, confidence: 0.3 },
    { latex: 'y = 3', display: true, bbox: box, confidence: 0.5 },
  ],
};
const F: RegenerationOutput = {
  provider: 'mathjax',
  confidence: 0.5,
  duration_ms: 1,
  latex_document: 'old document',
  formulas: [{ latex: 'x^2 = 4', svg: '<svg>old</svg>', roundtrip_score: 0.2 }, { latex: 'y = 3', svg: '<svg>y</svg>' }],
  diagram_tikz: '\\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture}',
  roundtrip: { overall: 0.3 },
};
const E: SemanticGraphOutput = { provider: 'builtin', confidence: 0.6, duration_ms: 1, nodes: [], edges: [], facts: [], targets: [], validation: { valid: true, issues: [] }, stats: {} };

describe('applying a reviewer\'s corrections', () => {
  it('replaces a formula everywhere it appears, renders it again and rebuilds the LaTeX document', async () => {
    const { outputs, changes } = await applyReviewCorrections({ B, E, F }, { formulas: [{ index: 0, latex: 'x^2 = 9' }] });
    expect(outputs.B?.formulas[0]).toMatchObject({ latex: 'x^2 = 9', confidence: 1 });
    expect(outputs.B?.formulas[1]?.latex).toBe('y = 3');
    expect(outputs.B?.text).toBe('Solve $x^2 = 9$ and $$y = 3$$ then $x^2 = 9$ again.');
    expect(outputs.B?.lines[0]?.text).toBe('Solve $x^2 = 9$ and');
    expect(outputs.F?.formulas[0]?.latex).toBe('x^2 = 9');
    expect(outputs.F?.formulas[0]?.svg).toMatch(/^<svg/);
    expect(outputs.F?.formulas[0]?.svg).not.toBe('<svg>old</svg>');
    expect(outputs.F?.formulas[0]?.roundtrip_score).toBeUndefined();
    expect(outputs.F?.formulas[1]).toEqual(F.formulas[1]);
    expect(outputs.F?.latex_document).toContain('x^2 = 9');
    expect(outputs.F?.latex_document).toContain('tikzpicture');
    expect(changes).toEqual([{ path: 'text.formulas[0].latex', before: 'x^2 = 4', after: 'x^2 = 9' }]);
  });

  it('replaces the text and the facts, recording before and after', async () => {
    // The graph is built again from the new text (AB = 7), then the reviewer's fact replaces its
    // facts: "AB" is read as the segment and stored by its id.
    const facts = [{ statement: 'AB = 5', subject: 'AB', relation: 'equals' as const, value: 5 }];
    const { outputs, changes } = await applyReviewCorrections({ B, E, F }, { text: 'New $AB = 7$', facts });
    expect(outputs.B?.text).toBe('New $AB = 7$');
    expect(outputs.E?.facts).toEqual([{ ...facts[0], subject: 'segment:AB', confidence: 1 }]);
    expect(outputs.E?.nodes.find((n) => n.id === 'segment:AB')?.props.length).toBe(5);
    expect(outputs.E?.validation).toEqual({ valid: true, issues: [] });
    expect(changes.map((c) => c.path)).toEqual(['text.text', 'graph.facts']);
    expect(changes[0]).toMatchObject({ before: B.text, after: 'New $AB = 7$' });
    expect(changes[1]).toMatchObject({ before: [expect.objectContaining({ subject: 'segment:AB', value: 7 })] });
  });

  it('reads the formulas again from corrected text, keeping what was read before and rendering what is new', async () => {
    const text = 'Solve $x^2 = 4$ and $$\\frac{y}{2} = 3$$ then $x^2 = 4$ again.';
    const { outputs } = await applyReviewCorrections({ B, F }, { text });
    expect(outputs.B?.formulas).toEqual([
      B.formulas[0],
      { latex: '\\frac{y}{2} = 3', display: true, confidence: 1 },
      { latex: 'x^2 = 4', display: false, confidence: 1 },
    ]);
    // F stays parallel to B: no old LaTeX beside the corrected text.
    expect(outputs.F?.formulas.map((f) => f.latex)).toEqual(['x^2 = 4', '\\frac{y}{2} = 3', 'x^2 = 4']);
    expect(outputs.F?.formulas[0]).toEqual(F.formulas[0]);
    expect(outputs.F?.formulas[1]?.svg).toMatch(/^<svg/);
    expect(outputs.F?.roundtrip).toEqual({ formula_score: 0.2, overall: 0.2 });
    expect(outputs.F?.latex_document).toContain('\\frac{y}{2} = 3');
    expect(JSON.stringify(outputs)).not.toContain('y = 3');
  });

  it('applies a formula correction to corrected text sent with it', async () => {
    const { outputs } = await applyReviewCorrections({ B, F }, { formulas: [{ index: 0, latex: 'x^2 = 9' }], text: 'Only $x^2 = 4$ now.' });
    expect(outputs.B?.text).toBe('Only $x^2 = 9$ now.');
    expect(outputs.B?.formulas).toEqual([{ ...B.formulas[0], latex: 'x^2 = 9', confidence: 1 }]);
    expect(outputs.F?.formulas.map((f) => f.latex)).toEqual(['x^2 = 9']);
  });

  it('refuses LaTeX that MathJax cannot typeset, naming the formula and the field', async () => {
    const bad = await applyReviewCorrections({ B, F }, { formulas: [{ index: 1, latex: '\\frac{y' }] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ReviewCorrectionError);
    expect((bad as ReviewCorrectionError).issues).toEqual([{ field: 'corrections.formulas[0].latex', message: expect.stringContaining('formula 1 "\\frac{y"') }]);
    const inText = await applyReviewCorrections({ B, F }, { text: 'See $\\notamacro{x}$ and $x^2 = 4$.' }).catch((e: unknown) => e);
    expect((inText as ReviewCorrectionError).issues).toEqual([{ field: 'corrections.text', message: expect.stringMatching(/\$\\notamacro\{x\}\$: .*notamacro/) }]);
  });

  it('changes nothing for a formula corrected to what it already was', async () => {
    const { outputs, changes } = await applyReviewCorrections({ B, E, F }, { formulas: [{ index: 1, latex: 'y = 3' }] });
    expect(changes).toEqual([]);
    expect(outputs.B?.text).toBe(B.text);
  });

  it('refuses corrections that do not fit the job, naming the field', async () => {
    await expect(applyReviewCorrections({ B, F }, { formulas: [{ index: 5, latex: 'x' }] })).rejects.toMatchObject({ issues: [{ field: 'corrections.formulas[0].index' }] });
    await expect(applyReviewCorrections({ F }, { text: 'x' })).rejects.toBeInstanceOf(ReviewCorrectionError);
    await expect(applyReviewCorrections({ B }, { facts: [] })).rejects.toMatchObject({ code: 'review_correction_invalid' });
  });
});
