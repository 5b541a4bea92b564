/** How a graph node is written in LaTeX for people: `\overline{AB}`, `m\widehat{CZ}`, `\odot X`. */
import type { GraphNode } from '@mpp/schemas';

function nameOf(node: GraphNode): string {
  return node.label ?? node.id.slice(node.id.indexOf(':') + 1);
}

/** The object itself (`\overline{AB}`). */
export function objectLatex(node: GraphNode): string {
  const name = nameOf(node);
  switch (node.type) {
    case 'segment': return `\\overline{${name}}`;
    case 'line': return `\\overleftrightarrow{${name}}`;
    case 'ray': return `\\overrightarrow{${name}}`;
    case 'circle': return `\\odot ${name}`;
    case 'arc': return `\\widehat{${name}}`;
    case 'angle': return `\\angle ${name.startsWith('#') ? String(node.props.vertex ?? '') : name}`;
    case 'polygon': return name.length === 3 ? `\\triangle ${name}` : name;
    case 'equation':
    case 'expression': return String(node.props.latex ?? name);
    default: return name;
  }
}

/** The quantity a question asks for: a segment's length `AM`, an arc's measure `m\widehat{DZ}`. */
export function quantityLatex(node: GraphNode): string {
  const name = nameOf(node);
  switch (node.type) {
    case 'segment': return name;
    case 'arc': return `m\\widehat{${name}}`;
    case 'angle': return `m${objectLatex(node)}`;
    default: return objectLatex(node);
  }
}
