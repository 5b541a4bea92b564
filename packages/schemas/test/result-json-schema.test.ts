import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { buildResultDocument, resultJsonSchema, resultJsonSchemaText } from '@mpp/schemas';

const COMMITTED = path.join(__dirname, '../../../docs/schema/result.schema.json');

describe('published JSON Schema of the result document', () => {
  test('docs/schema/result.schema.json is exactly what the zod schema generates (run `node scripts/write-result-schema.mjs` after changing a schema)', () => {
    expect(readFileSync(COMMITTED, 'utf8')).toBe(resultJsonSchemaText());
  });

  test('compiles as draft 2020-12 and accepts a result document the builder makes', () => {
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(resultJsonSchema());
    const doc = buildResultDocument({ id: 'j1', created_at: '2025-01-01T00:00:00.000Z', metadata: { a: 1 } }, {}, '2025-01-01T00:00:01.000Z');
    expect(validate(JSON.parse(JSON.stringify(doc)))).toBe(true);
  });

  test('rejects a document with a wrong schema_version or a confidence above 1', () => {
    const validate = new Ajv2020({ strict: false }).compile(resultJsonSchema());
    const doc = JSON.parse(JSON.stringify(buildResultDocument({ id: 'j1', created_at: 'x', metadata: {} }, {}, 'y')));
    expect(validate({ ...doc, schema_version: '1.0.0' })).toBe(false);
    expect(validate({ ...doc, confidence: 1.5 })).toBe(false);
  });
});
