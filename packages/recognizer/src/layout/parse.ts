/**
 * The recursive layout parse of a set of units: constructs that claim others by geometry first
 * (fractions, radicals, accents, limits, tall fences and arrays), then the baseline pass with
 * scripts. Every claimed region goes back through `parse`.
 */
import { borrowEm, parseLine } from './baseline';
import { resolveAccents, resolveFractions, resolveLimits, resolveRadicals } from './composites';
import { resolveFences } from './fences';
import type { Node, Unit } from './units';

export function parse(units: Unit[], em: number): Node[] {
  if (units.length === 0) return [];
  borrowEm(units, em);
  let rest = resolveFractions(units, em, parse);
  rest = resolveRadicals(rest, em, parse);
  rest = resolveAccents(rest, em, parse);
  rest = resolveLimits(rest, em, parse);
  rest = resolveFences(rest, em, parse);
  return parseLine(rest, em, parse);
}
