import { JobMetadata, METADATA_MAX_DEPTH, PipelineOptions, STAGE_CATALOG, STAGE_IDS, STAGE_NAMES, parseStageRef } from '@mpp/schemas';

describe('PipelineOptions', () => {
  it('fills the documented defaults', () => {
    expect(PipelineOptions.parse({})).toEqual({ skip_stages: [], export_formats: ['json'], enable_human_review: true });
  });

  it('accepts stage letters and names in skip_stages and normalises them to letters', () => {
    expect(PipelineOptions.parse({ skip_stages: ['human_review', 'c'] }).skip_stages).toEqual(['G', 'C']);
  });

  it('accepts a provider order for one stage only', () => {
    expect(PipelineOptions.parse({ providers: { B: ['local'] } }).providers).toEqual({ B: ['local'] });
  });

  it('refuses unknown fields, unknown stages and unknown export formats with messages naming them', () => {
    const unknown = PipelineOptions.safeParse({ colour: 'blue' });
    expect(unknown.success).toBe(false);
    expect(JSON.stringify(unknown.error?.issues)).toContain('colour');
    expect(PipelineOptions.safeParse({ skip_stages: ['Z'] }).error?.issues[0]?.message).toContain('unknown stage "Z"');
    expect(PipelineOptions.safeParse({ export_formats: ['pdf'] }).success).toBe(false);
    expect(PipelineOptions.safeParse({ review_threshold: 1.5 }).success).toBe(false);
  });
});

describe('JobMetadata', () => {
  const nested = (levels: number): unknown => {
    let value: unknown = 'leaf';
    for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { k: value };
    return value;
  };

  it('accepts metadata nested up to the limit', () => {
    expect(JobMetadata.safeParse({ ref: nested(METADATA_MAX_DEPTH - 1) }).success).toBe(true);
  });

  it('refuses a top-level __proto__ key, which the record parse would drop silently, and keeps nested ones', () => {
    expect(JobMetadata.safeParse(JSON.parse('{"__proto__":{"a":1},"b":2}')).error?.issues.map((i) => i.message)).toEqual(['"__proto__" is not allowed as a metadata key']);
    const nested = JobMetadata.parse(JSON.parse('{"b":{"__proto__":{"a":1}}}'));
    expect(JSON.stringify(nested)).toBe('{"b":{"__proto__":{"a":1}}}');
  });

  it('refuses deeper metadata with a message, without overflowing the stack on thousands of levels', () => {
    for (const levels of [METADATA_MAX_DEPTH, 20_000]) {
      const parsed = JobMetadata.safeParse({ ref: nested(levels) });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.map((i) => i.message)).toEqual([`metadata must not nest deeper than ${METADATA_MAX_DEPTH} levels`]);
    }
  });
});

describe('stage catalog', () => {
  it('names every stage and only depends on earlier stages', () => {
    for (const id of STAGE_IDS) {
      expect(STAGE_CATALOG[id].name).toBe(STAGE_NAMES[id]);
      for (const need of STAGE_CATALOG[id].needs) expect(STAGE_IDS.indexOf(need)).toBeLessThan(STAGE_IDS.indexOf(id));
      expect(parseStageRef(STAGE_NAMES[id])).toBe(id);
    }
    expect(parseStageRef('nonsense')).toBeUndefined();
  });
});
