/**
 * Layout tree to LaTeX tokens in the im2latex normalisation: tokens separated by single spaces,
 * every argument and script in braces, `\frac { a } { b }`, `x _ { i } ^ { 2 }`, runs of upright
 * letters as one `\mathrm { T r }`, primes as `^ { \prime }`, tall fences as `\left( ... \right)`.
 */
import { labelOf, type Node } from '../layout/units';

const STYLED = /^\\(mathrm|mathbf|mathcal) \{ (.+) \}$/;

export function emit(nodes: Node[]): string[] {
  const out: string[] = [];
  let styleRun: { style: string; chars: string[] } | undefined;
  const flush = (): void => {
    if (styleRun) out.push(`\\${styleRun.style}`, '{', ...styleRun.chars, '}');
    styleRun = undefined;
  };
  for (const node of nodes) {
    const label = node.t === 'sym' ? (node.text ?? labelOf(node.sym)) : undefined;
    const styled = label ? STYLED.exec(label) : null;
    if (styled) {
      if (styleRun && styleRun.style === styled[1]) styleRun.chars.push(styled[2]!);
      else {
        flush();
        styleRun = { style: styled[1]!, chars: [styled[2]!] };
      }
      continue;
    }
    flush();
    out.push(...emitNode(node));
  }
  flush();
  return out;
}

function group(nodes: Node[]): string[] {
  return ['{', ...emit(nodes), '}'];
}

function emitNode(node: Node): string[] {
  switch (node.t) {
    case 'sym': {
      const tokens = (node.text ?? labelOf(node.sym)).split(' ');
      return node.sym.size ? [node.sym.size, ...tokens] : tokens;
    }
    case 'func':
      return node.operator ? ['\\operatorname*', '{', ...node.name.split(''), '}'] : [`\\${node.name}`];
    case 'frac':
      return ['\\frac', ...group(node.num), ...group(node.den)];
    case 'sqrt':
      return node.index.length > 0 ? ['\\sqrt', '[', ...emit(node.index), ']', ...group(node.body)] : ['\\sqrt', ...group(node.body)];
    case 'limits': {
      const out = emitNode(node.base);
      if (node.under.length > 0) out.push('_', ...group(node.under));
      if (node.over.length > 0) out.push('^', ...group(node.over));
      return out;
    }
    case 'accent':
      return [node.accent, ...group(node.base)];
    case 'array': {
      const columns = Math.max(1, ...node.rows.map((r) => r.length));
      const out = ['\\begin{array}', '{', ...Array<string>(columns).fill('c'), '}'];
      node.rows.forEach((row, i) => {
        row.forEach((cell, j) => {
          if (j > 0) out.push('&');
          out.push(...emit(cell));
        });
        if (i < node.rows.length - 1) out.push('\\\\');
      });
      out.push('\\end{array}');
      return out;
    }
    case 'fenced': {
      const open = node.open ? labelOf(node.open) : '.';
      const close = node.close ? labelOf(node.close) : '.';
      // Fences printed at one of TeX's sizes are written at that size: the picture is the same.
      if (node.open?.size !== undefined && node.close?.size !== undefined) {
        const sized = (size: string, label: string): string[] => (size ? [size, label] : [label]);
        return [...sized(node.open.size, open), ...emit(node.body), ...sized(node.close.size, close)];
      }
      return [`\\left${open}`, ...emit(node.body), `\\right${close}`];
    }
    case 'group':
      return group(node.body);
    case 'scripts': {
      const out = emitNode(node.base);
      if (node.sub.length > 0) out.push('_', ...group(node.sub));
      if (node.sup.length > 0) out.push('^', ...group(node.sup));
      return out;
    }
  }
}
