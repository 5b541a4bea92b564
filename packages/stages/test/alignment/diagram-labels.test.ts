import type { DiagramElement } from '@mpp/schemas';
import { classifyLabel } from '../../src/alignment/diagram-labels';

const label = (text: string): DiagramElement => ({ id: 'label-1', type: 'label', text, bbox: { x: 0, y: 0, w: 10, h: 10 }, confidence: 0.9 });

describe('classifyLabel', () => {
  it('tells point names, values, variables and expressions apart, stacked fractions included', () => {
    expect(classifyLabel(label('A')).role).toBe('point_name');
    expect(classifyLabel(label('7.5'))).toMatchObject({ role: 'value', value: 7.5 });
    expect(classifyLabel(label('40°'))).toMatchObject({ role: 'value', value: 40, degrees: true });
    expect(classifyLabel(label('x')).role).toBe('variable');
    expect(classifyLabel(label('2x+3')).role).toBe('expression');
    expect(classifyLabel(label('\\frac{1}{4}x+5')).role).toBe('expression');
    expect(classifyLabel(label('66-\\frac{2}{3}y')).role).toBe('expression');
    expect(classifyLabel(label('Figure 3')).role).toBe('other');
  });
});
