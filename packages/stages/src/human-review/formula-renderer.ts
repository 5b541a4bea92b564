/**
 * MathJax renderings of the formulas of one correction, each rendered once: the check that a
 * corrected formula parses and the SVG stage F then carries are the same rendering.
 */
import { texToSvg, type TexRendering } from '../regeneration/mathjax';

export type FormulaRenderer = (latex: string, display: boolean) => Promise<TexRendering>;

export function formulaRenderer(): FormulaRenderer {
  const done = new Map<string, Promise<TexRendering>>();
  return (latex, display) => {
    const key = `${display ? 'display' : 'inline'}:${latex.trim()}`;
    let rendering = done.get(key);
    if (!rendering) {
      rendering = texToSvg(latex, display);
      done.set(key, rendering);
    }
    return rendering;
  };
}
