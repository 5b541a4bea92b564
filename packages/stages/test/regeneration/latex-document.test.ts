import { buildLatexDocument, escapeProse, isSafeMath, splitMath, textToLatex } from '../../src/regeneration/latex-document';

describe('textToLatex', () => {
  it('escapes LaTeX specials in prose and keeps $...$ math as it is', () => {
    expect(textToLatex('Cost: 5% & 10_000 # {x} ~ ^ \\ and $a_1^{2} \\% b$')).toBe(
      'Cost: 5\\% \\& 10\\_000 \\# \\{x\\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{} and $a_1^{2} \\% b$',
    );
  });

  it('turns display math into \\[ \\] on its own lines and keeps line breaks of prose', () => {
    expect(textToLatex('Solve\n$$x^2 = 4$$\nfor x.\n11. AM\n12. MB\n\nNext paragraph')).toBe(
      'Solve\n\\[ x^2 = 4 \\]\nfor x. \\\\\n11. AM \\\\\n12. MB\n\nNext paragraph',
    );
  });

  it('accepts \\( \\) and \\[ \\] delimiters and a Markdown-escaped dollar', () => {
    expect(splitMath('a \\(x\\) b \\[y\\] c')).toEqual([
      { kind: 'prose', text: 'a ' },
      { kind: 'math', text: 'x', display: false },
      { kind: 'prose', text: ' b ' },
      { kind: 'math', text: 'y', display: true },
      { kind: 'prose', text: ' c' },
    ]);
    expect(textToLatex('costs \\$5 and $x$')).toBe('costs \\$5 and $x$');
  });

  it('writes math symbols OCR left in prose as math', () => {
    expect(escapeProse('In ⊙X, m∠A = 40°')).toBe('In $\\odot$X, m$\\angle$A = 40$^\\circ$');
  });

  it('prints unsafe or unbalanced math as text instead of passing it through', () => {
    expect(isSafeMath('\\input{/etc/passwd}')).toBe(false);
    expect(isSafeMath('\\immediate\\write18{rm -rf /}')).toBe(false);
    expect(isSafeMath('\\frac{a}{b')).toBe(false);
    expect(isSafeMath('\\left\\{ x \\right\\}')).toBe(true);
    expect(textToLatex('see $\\input{x}$')).toBe('see \\texttt{\\$\\textbackslash{}input\\{x\\}\\$}');
  });
});

describe('buildLatexDocument', () => {
  it('is a standalone article with amsmath, amssymb and tikz holding the text and the picture', () => {
    const doc = buildLatexDocument({ text: 'In $\\odot X$, $AB = 30$.', tikz: '\\begin{tikzpicture}\n\\end{tikzpicture}' });
    expect(doc).toContain('\\documentclass{article}');
    expect(doc).toMatch(/\\usepackage\{amsmath,amssymb\}/);
    expect(doc).toContain('\\usepackage{tikz}');
    expect(doc.indexOf('\\begin{document}')).toBeLessThan(doc.indexOf('In $\\odot X$, $AB = 30$.'));
    expect(doc.indexOf('\\begin{tikzpicture}')).toBeLessThan(doc.indexOf('\\end{document}'));
  });

  it('still makes a valid document when nothing was recognised', () => {
    const doc = buildLatexDocument({});
    expect(doc).toContain('\\begin{document}\n% Nothing was recognised.\n\\end{document}');
  });
});
