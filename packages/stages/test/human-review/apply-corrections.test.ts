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
    const facts = [{ statement: 'AB = 5', subject: 'AB', relation: 'equals' as const, value: 5 }];
    const { outputs, changes } = await applyReviewCorrections({ B, E, F }, { text: 'New $z$', facts });
    expect(outputs.B?.text).toBe('New $z$');
    expect(outputs.E?.facts).toEqual([{ ...facts[0], confidence: 1 }]);
    expect(changes.map((c) => c.path)).toEqual(['text.text', 'graph.facts']);
    expect(changes[0]).toMatchObject({ before: B.text, after: 'New $z$' });
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
