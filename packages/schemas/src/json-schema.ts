/**
 * The result document's JSON Schema (draft 2020-12), generated from the zod schema so the two can
 * never drift: `docs/schema/result.schema.json` is this output, written by
 * `node scripts/write-result-schema.mjs` and checked by a test.
 */
import { z } from 'zod';
import { RESULT_SCHEMA_VERSION, ResultDocument } from './result';

export function resultJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ResultDocument, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' });
  return { ...schema, title: 'mathpix-pipeline result document', description: `GET /v1/jobs/:id/result and the json/yaml exports, schema_version ${RESULT_SCHEMA_VERSION}` };
}

/** The committed file's exact text. */
export function resultJsonSchemaText(): string {
  return `${JSON.stringify(resultJsonSchema(), null, 2)}\n`;
}
