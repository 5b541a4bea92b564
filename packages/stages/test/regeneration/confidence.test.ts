import { FULL_MATCH_SCORE, matchEvidence, NO_MATCH_SCORE, regenerationConfidence } from '../../src/regeneration/confidence';

describe("stage F's confidence from its round-trip checks", () => {
  test('reads a round-trip score as evidence between a wholly different formula and a right one', () => {
    expect(matchEvidence(NO_MATCH_SCORE)).toBe(0);
    expect(matchEvidence(0.3)).toBe(0);
    expect(matchEvidence(FULL_MATCH_SCORE)).toBe(1);
    expect(matchEvidence(0.99)).toBe(1);
    expect(matchEvidence(0.725)).toBeCloseTo(0.5, 10);
  });

  test('counts a formula MathJax cannot parse as wrong and an unchecked one as not doubted', () => {
    const formulas = [{ latex: 'a', svg: '<svg/>', roundtrip_score: 0.95 }, { latex: '\\frac{', error: 'Missing close brace' }, { latex: 'b', svg: '<svg/>' }];
    // Half the worst (the one that does not parse: 0) and half the mean (2/3).
    expect(regenerationConfidence(formulas, undefined)).toBeCloseTo(1 / 3, 10);
    expect(regenerationConfidence(formulas, 0.725)).toBeCloseTo((1 / 3 + 0.5) / 2, 10);
  });

  test('one formula that does not match among twenty good ones costs half its shortfall, not a twentieth', () => {
    const good = Array.from({ length: 20 }, () => ({ latex: 'x', svg: '<svg/>', roundtrip_score: FULL_MATCH_SCORE }));
    expect(regenerationConfidence(good, undefined)).toBe(1);
    const oneBad = [...good.slice(1), { latex: 'y', svg: '<svg/>', roundtrip_score: NO_MATCH_SCORE }];
    expect(regenerationConfidence(oneBad, undefined)).toBeCloseTo(0.5 * 0 + 0.5 * (19 / 20), 10);
    expect(regenerationConfidence(oneBad, undefined)).toBeLessThan(0.5);
  });

  test('is 1 with nothing to render or check, and falls with the checks', () => {
    expect(regenerationConfidence([], undefined)).toBe(1);
    const right = [0.97, 0.99, 0.93].map((s) => ({ latex: 'x', svg: '<svg/>', roundtrip_score: s }));
    const wrong = [0.7, 0.75, 0.65].map((s) => ({ latex: 'x', svg: '<svg/>', roundtrip_score: s }));
    expect(regenerationConfidence(right, 0.98)).toBeGreaterThan(0.95);
    expect(regenerationConfidence(wrong, 0.98)).toBeLessThan(0.75);
  });
});
