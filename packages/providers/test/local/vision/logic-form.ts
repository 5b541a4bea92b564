/**
 * The Inter-GPS ground truth of the textbook fixtures (logic_form.json) and how to compare found
 * geometry with it. Its coordinates are the diagram's own, shifted by an unknown offset: every
 * pairing of a true point with a found place proposes a shift, the best supported one wins.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const FIXTURES = path.join(__dirname, '../../../../../test/fixtures');
export const fixture = (...parts: string[]): Buffer => readFileSync(path.join(FIXTURES, ...parts));

export type P = { x: number; y: number };
export const dist = (a: P, b: P): number => Math.hypot(a.x - b.x, a.y - b.y);

export interface LogicForm {
  point_positions: Record<string, [number, number]>;
  line_instances: string[];
  circle_instances: string[];
}
export const logicForm = (id: string): LogicForm => JSON.parse(fixture('textbook', id, 'logic_form.json').toString('utf8'));

/** The ground-truth points, by name. */
export const truePoints = (form: LogicForm): Record<string, P> =>
  Object.fromEntries(Object.entries(form.point_positions).map(([n, [x, y]]) => [n, { x, y }]));

/**
 * The shift that puts the most ground-truth points within `tolerance` of one of `found`, and how
 * many it puts there.
 */
export function bestShift(truth: P[], found: P[], tolerance = 5): { shift: P; matched: number } {
  let best = { shift: { x: 0, y: 0 }, matched: 0 };
  for (const t of truth) {
    for (const f of found) {
      const shift = { x: f.x - t.x, y: f.y - t.y };
      const matched = truth.filter((q) => found.some((g) => dist({ x: q.x + shift.x, y: q.y + shift.y }, g) <= tolerance)).length;
      if (matched > best.matched) best = { shift, matched };
    }
  }
  return best;
}
