import { ExportOutput, RegenerationOutput, ResultDocument, RESULT_SCHEMA_VERSION, type StageInputs } from '@mpp/schemas';
import { alignmentStage } from '../../src/alignment';
import { exportStage, resultDocument } from '../../src/export';
import { humanReviewStage } from '../../src/human-review';
import { semanticGraphStage } from '../../src/semantic-graph';
import { downstreamContext } from '../support/downstream-context';
import { textbook11Image, textbook11Text, textbook11Vision } from '../support/textbook11-upstream';

/** Every upstream output for textbook 11, F left out unless given. */
async function upstream(F?: RegenerationOutput, textConfidence = 0.88): Promise<StageInputs<'H'>> {
  const ctx = downstreamContext();
  const A = textbook11Image();
  const B = textbook11Text(undefined, textConfidence);
  const C = textbook11Vision();
  const D = await alignmentStage({ B, C }, ctx);
  const E = await semanticGraphStage({ B, C, D }, ctx);
  const G = await humanReviewStage({ B, C, D, E, ...(F ? { F } : {}) }, ctx);
  return { A, B, C, D, E, ...(F ? { F } : {}), G };
}

const text = (buffer: Buffer | undefined) => buffer?.toString('utf8') ?? '';

describe('export stage (H)', () => {
  test('writes only the requested formats', async () => {
    const ctx = downstreamContext({ export_formats: ['markdown'] });
    const out = ExportOutput.parse(await exportStage(await upstream(), ctx));
    expect([...ctx.exports.keys()]).toEqual(['markdown']);
    expect(out.exports.map((e) => e.format)).toEqual(['markdown']);
    expect(out.skipped_formats).toBeUndefined();
  });

  test('writes only json when the job asks for no format (the default ["json"])', async () => {
    const ctx = downstreamContext();
    expect(ctx.options.export_formats).toEqual(['json']);
    const out = ExportOutput.parse(await exportStage(await upstream(), ctx));
    expect([...ctx.exports.keys()]).toEqual(['json']);
    expect(out.exports.map((e) => [e.format, e.filename, e.content_type])).toEqual([['json', 'job-11.json', 'application/json; charset=utf-8']]);
  });

  test('writes a json result document that validates and lists every export with its URL and size', async () => {
    const ctx = downstreamContext({ export_formats: ['json', 'latex', 'markdown'] });
    const inputs = await upstream();
    const out = await exportStage(inputs, ctx);
    const json = ctx.exports.get('json');
    const doc = ResultDocument.parse(JSON.parse(text(json)));
    expect(doc).toMatchObject({ schema_version: RESULT_SCHEMA_VERSION, id: 'job-11', status: 'completed', metadata: { source: 'textbook/11' } });
    expect(doc.graph?.facts.map((f) => f.statement)).toEqual(expect.arrayContaining(['AB = 30', 'CD = 30']));
    expect(doc.exports.map((e) => [e.format, e.url])).toEqual([
      ['json', '/v1/jobs/job-11/exports/json'],
      ['latex', '/v1/jobs/job-11/exports/latex'],
      ['markdown', '/v1/jobs/job-11/exports/markdown'],
    ]);
    for (const e of doc.exports) expect(e.bytes).toBe(ctx.exports.get(e.format as 'json')?.length);
    expect(out.exports.map((e) => e.bytes)).toEqual(doc.exports.map((e) => e.bytes));
    expect(doc.exports[0]).toMatchObject({ filename: 'job-11.json', content_type: 'application/json; charset=utf-8' });
  });

  test('takes the confidence from review and counts no API calls for local providers', async () => {
    const inputs = await upstream();
    const doc = resultDocument(inputs, downstreamContext().job, [], '2025-01-02T03:04:06.000Z');
    expect(doc.confidence).toBe(inputs.G?.job_confidence);
    expect(doc.usage).toEqual({ calls: {}, input_tokens: 0, output_tokens: 0, estimated_cost_usd: 0 });
    expect(doc.timings_ms).toMatchObject({ A: 35, B: 900, C: 140 });
    expect(doc.regeneration).toBeNull();
  });

  test('writes LaTeX from the text when regeneration did not run', async () => {
    const ctx = downstreamContext({ export_formats: ['latex'] });
    await exportStage(await upstream(), ctx);
    const latex = text(ctx.exports.get('latex'));
    expect(latex).toMatch(/^\\documentclass\{article\}/);
    expect(latex).toContain('\\usepackage{amsmath,amssymb}');
    expect(latex).toContain('In $\\odot X$, $AB = 30$, $CD = 30$, and $m\\widehat{CZ} = 40$.');
    expect(latex).toContain('\n\nFind each measure.');
    expect(latex.trimEnd().endsWith('\\end{document}')).toBe(true);
  });

  test("writes regeneration's LaTeX document when there is one", async () => {
    const F = RegenerationOutput.parse({
      provider: 'mathjax', confidence: 0.9, duration_ms: 50,
      latex_document: '\\documentclass{article}\n\\begin{document}\nregenerated\n\\end{document}\n',
      formulas: [], roundtrip: { overall: 0.9 },
    });
    const ctx = downstreamContext({ export_formats: ['latex'] });
    await exportStage(await upstream(F), ctx);
    expect(text(ctx.exports.get('latex'))).toBe(F.latex_document);
  });

  test('writes Markdown with the text, the figure, the given facts and what to find', async () => {
    const ctx = downstreamContext({ export_formats: ['markdown'] });
    await exportStage(await upstream(), ctx);
    const md = text(ctx.exports.get('markdown'));
    expect(md.startsWith('In $\\odot X$, $AB = 30$')).toBe(true);
    expect(md).toContain('- Circle $\\odot X$ with centre $X$');
    expect(md).toContain('## Given\n\n- $AB = 30$\n- $CD = 30$\n- $m\\widehat{CZ} = 40$');
    expect(md).toContain('## Find\n\n- $AM$\n- $MB$\n- $CN$\n- $ND$\n- $m\\widehat{DZ}$');
    expect(md).not.toContain('## Review');
  });

  test('adds the review verdict to the Markdown when a person must look', async () => {
    const ctx = downstreamContext({ export_formats: ['markdown'] });
    await exportStage(await upstream(undefined, 0.3), ctx);
    expect(text(ctx.exports.get('markdown'))).toContain('## Review');
  });

  test('writes every requested format and skips none', async () => {
    const ctx = downstreamContext({ export_formats: ['yaml', 'docx', 'html', 'svg', 'json'] });
    const out = ExportOutput.parse(await exportStage(await upstream(), ctx));
    expect([...ctx.exports.keys()].sort()).toEqual(['docx', 'html', 'json', 'svg', 'yaml']);
    expect(out.exports.map((e) => e.format)).toEqual(['yaml', 'docx', 'html', 'svg', 'json']);
    expect(out.skipped_formats).toBeUndefined();
    for (const e of out.exports) expect(e.bytes).toBe(ctx.exports.get(e.format)?.length);
  });

  test('works with only the text stage present', async () => {
    const ctx = downstreamContext({ export_formats: ['json', 'markdown', 'latex'] });
    const out = await exportStage({ B: textbook11Text() }, ctx);
    expect(out.exports).toHaveLength(3);
    const doc = ResultDocument.parse(JSON.parse(text(ctx.exports.get('json'))));
    expect(doc).toMatchObject({ image: null, vision: null, graph: null, review: null });
    expect(doc.confidence).toBeCloseTo(textbook11Text().confidence, 3);
  });
});
