/**
 * Stable ids for named geometric objects, shared by text entities (stage D) and graph nodes
 * (stage E) so the same object read from the text and from the diagram gets the same id.
 *
 * Names are canonicalised so that spelling order does not matter where geometry says it does not:
 * `MB` and `BM` are one segment (`segment:BM`), `\widehat{YB}` and `\widehat{BY}` one arc
 * (`arc:BY`), `\angle CBA` and `\angle ABC` one angle (`angle:ABC`, the vertex stays in the
 * middle). The name as written is kept separately (entity `text`, node `label`).
 */

export type NamedKind = 'point' | 'segment' | 'line' | 'ray' | 'circle' | 'arc' | 'angle' | 'polygon' | 'variable';

/** The smaller of a letter sequence and its reverse: one name for both directions. */
export function reversibleName(letters: string): string {
  const reversed = [...letters].reverse().join('');
  return reversed < letters ? reversed : letters;
}

/** One name for every starting vertex and direction of a closed polygon (`CDAB` -> `ABCD`). */
export function cyclicName(letters: string): string {
  const chars = [...letters];
  let best = letters;
  for (let i = 0; i < chars.length; i++) {
    const rotated = [...chars.slice(i), ...chars.slice(0, i)];
    for (const candidate of [rotated.join(''), [...rotated].reverse().join('')]) {
      if (candidate < best) best = candidate;
    }
  }
  return best;
}

/** Canonical name of an object of `kind` spelt `letters` (a ray keeps its direction). */
export function canonicalName(kind: NamedKind, letters: string): string {
  switch (kind) {
    case 'segment':
    case 'line':
    case 'arc':
    case 'angle':
      return reversibleName(letters);
    case 'polygon':
      return cyclicName(letters);
    case 'point':
    case 'ray':
    case 'circle':
    case 'variable':
      return letters;
  }
}

export function namedId(kind: NamedKind, letters: string): string {
  return `${kind}:${canonicalName(kind, letters)}`;
}

/** The kind and canonical name inside an id made by `namedId`, or undefined for other ids. */
export function parseNamedId(id: string): { kind: NamedKind; name: string } | undefined {
  const colon = id.indexOf(':');
  if (colon < 0) return undefined;
  const kind = id.slice(0, colon) as NamedKind;
  const name = id.slice(colon + 1);
  const kinds: readonly string[] = ['point', 'segment', 'line', 'ray', 'circle', 'arc', 'angle', 'polygon', 'variable'];
  return kinds.includes(kind) && name.length > 0 ? { kind, name } : undefined;
}

/** Point names an object's name refers to: letters for lettered objects, none for `\angle 1`. */
export function pointRefs(kind: NamedKind, name: string): string[] {
  if (kind === 'variable') return [];
  return [...name].filter((c) => c >= 'A' && c <= 'Z');
}
