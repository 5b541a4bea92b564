/**
 * The diagram as a TikZ picture: pixel coordinates of the diagram frame turned into centimetres
 * (96 px to the inch, shrunk to fit 12 cm), y flipped because TikZ's y axis points up.
 */
import type { DiagramGeometry, Point2 } from './diagram-types';
import { labelTex } from './diagram-labels';

const CM_PER_PX = 2.54 / 96;
const MAX_SIDE_CM = 12;

function fmt(v: number): string {
  const rounded = Math.round(v * 100) / 100;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

export function toTikz(g: DiagramGeometry): string {
  const { frame } = g;
  const scale = Math.min(CM_PER_PX, MAX_SIDE_CM / Math.max(1, frame.w), MAX_SIDE_CM / Math.max(1, frame.h));
  const at = (p: Point2): string => `(${fmt((p.x - frame.x) * scale)},${fmt((frame.y + frame.h - p.y) * scale)})`;
  const lines: string[] = ['\\begin{tikzpicture}[line cap=round, line join=round]'];

  for (const s of g.segments) {
    const style = s.kind === 'ray' || s.kind === 'axis' ? '[->]' : s.kind === 'line' ? '[<->]' : '';
    lines.push(`  \\draw${style} ${at(s.from)} -- ${at(s.to)};`);
  }
  for (const c of g.circles) {
    const radius = fmt(c.radius * scale);
    if (!c.arc) {
      lines.push(`  \\draw ${at(c.center)} circle [radius=${radius}];`);
      continue;
    }
    const [start, end] = c.arc;
    // Arcs run counter-clockwise from start to end, as stage C and TikZ both count angles.
    const sweep = (((end - start) % 360) + 360) % 360;
    lines.push(`  \\draw ${at(c.center)} ++(${fmt(start)}:${radius}) arc [start angle=${fmt(start)}, end angle=${fmt(start + sweep)}, radius=${radius}];`);
  }
  for (const p of g.polylines) {
    lines.push(`  \\draw ${p.points.map(at).join(' -- ')}${p.closed ? ' -- cycle' : ''};`);
  }
  for (const p of g.points) lines.push(`  \\fill ${at(p.at)} circle [radius=1.5pt];`);
  for (const l of g.labels) lines.push(`  \\node at ${at(l.at)} {$${labelTex(l.text)}$};`);
  lines.push('\\end{tikzpicture}');
  return lines.join('\n');
}
