/** AlignmentEngineConfig set process-wide: the ALIGNMENT_* variables reach `config.alignment`, which the worker hands to stage D as `settings.alignment`. */
import { ConfigError, loadConfig } from '@mpp/config';

describe('alignment settings from the environment', () => {
  it("defaults to the deployment guide's AlignmentEngineConfig: 0.60, 0.4, 0.6", () => {
    expect(loadConfig({}).alignment).toEqual({ base_alignment_threshold: 0.6, position_weight: 0.4, semantic_weight: 0.6 });
  });

  it('reads each ALIGNMENT_* variable into its field', () => {
    const config = loadConfig({ ALIGNMENT_BASE_THRESHOLD: '0.75', ALIGNMENT_POSITION_WEIGHT: '0.3', ALIGNMENT_SEMANTIC_WEIGHT: '0.7' });
    expect(config.alignment).toEqual({ base_alignment_threshold: 0.75, position_weight: 0.3, semantic_weight: 0.7 });
  });

  it('refuses a threshold or weight outside 0..1, naming the variable', () => {
    expect(() => loadConfig({ ALIGNMENT_BASE_THRESHOLD: '1.5' })).toThrow(ConfigError);
    expect(() => loadConfig({ ALIGNMENT_SEMANTIC_WEIGHT: '-0.1' })).toThrow(/ALIGNMENT_SEMANTIC_WEIGHT/);
  });
});
