import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, ENV_VARIABLES, loadConfig, parseEnv } from '@mpp/config';

describe('environment schema', () => {
  it('applies the deployment guide defaults when nothing is set', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      PIPELINE_WORKERS: 4,
      PIPELINE_LOG_LEVEL: 'info',
      PIPELINE_CACHE_DIR: '.cache/mathpix_pipeline',
      PIPELINE_CACHE_TTL: 3600,
      PIPELINE_CACHE_MAX_SIZE_MB: 500,
      PIPELINE_MEMORY_CACHE_ITEMS: 1000,
      CB_FAILURE_THRESHOLD: 5,
      CB_SUCCESS_THRESHOLD: 2,
      CB_TIMEOUT_SECONDS: 60,
      CB_HALF_OPEN_MAX_CALLS: 1,
      SERVER_HOST: '0.0.0.0',
      SERVER_PORT: 8080,
      SERVER_REQUEST_TIMEOUT: 300,
      SERVER_MAX_REQUEST_SIZE_MB: 50,
      OTEL_SERVICE_NAME: 'mathpix-pipeline',
      PROMETHEUS_ENABLED: true,
      REDIS_PREFIX: 'mpp',
      PIPELINE_RESULT_TTL: 604_800,
      REVIEW_THRESHOLD: 0.7,
      MATHPIX_API_URL: 'https://api.mathpix.com',
    });
    expect(env.MATHPIX_APP_ID).toBeUndefined();
    expect(env.WORKER_STAGES).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']);
  });

  it('reads stage groups by letter or name and log levels in the guide spelling', () => {
    expect(parseEnv({ WORKER_STAGES: 'b, vision_parse' }).WORKER_STAGES).toEqual(['B', 'C']);
    expect(parseEnv({ PIPELINE_LOG_LEVEL: 'WARNING' }).PIPELINE_LOG_LEVEL).toBe('warn');
    expect(parseEnv({ API_KEYS: 'k1, k2,' }).API_KEYS).toEqual(['k1', 'k2']);
    expect(loadConfig({ PORT: '9000', SERVER_PORT: '8081' }).server.port).toBe(9000);
  });

  it('stops with a message naming every bad variable', () => {
    let caught: unknown;
    try {
      parseEnv({ PIPELINE_WORKERS: 'many', WORKER_STAGES: 'B,Q', REDIS_URL: 'localhost:6379', REVIEW_THRESHOLD: '2' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const names = (caught as ConfigError).issues.map((i) => i.variable).sort();
    expect(names).toEqual(['PIPELINE_WORKERS', 'REDIS_URL', 'REVIEW_THRESHOLD', 'WORKER_STAGES']);
    expect((caught as ConfigError).message).toContain('unknown stage "Q"');
  });

  it('treats empty values as unset, so a copied .env.example parses', () => {
    const text = readFileSync(path.resolve(__dirname, '../../../.env.example'), 'utf8');
    const vars = Object.fromEntries(
      text
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(() => parseEnv(vars)).not.toThrow();
    expect(Object.keys(vars).sort()).toEqual([...ENV_VARIABLES].sort());
  });

  it('bounds the OCR engine by OCR_WORKERS, else by PIPELINE_WORKERS up to 2 (each tesseract worker holds ~55 MB)', () => {
    expect(loadConfig({}).ocr.workers).toBe(2);
    expect(loadConfig({ PIPELINE_WORKERS: '1' }).ocr.workers).toBe(1);
    expect(loadConfig({ PIPELINE_WORKERS: '16', OCR_WORKERS: '' }).ocr.workers).toBe(2);
    expect(loadConfig({ PIPELINE_WORKERS: '16', OCR_WORKERS: '6' }).ocr.workers).toBe(6);
    expect(() => loadConfig({ OCR_WORKERS: '0' })).toThrow(ConfigError);
  });
});
