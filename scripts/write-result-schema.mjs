#!/usr/bin/env node
/**
 * Writes docs/schema/result.schema.json from the zod schema in @mpp/schemas (run `pnpm build`
 * first). packages/schemas/test/result-json-schema.test.ts fails when the committed file differs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { resultJsonSchemaText } = createRequire(import.meta.url)(path.join(root, 'packages/schemas/dist/index.js'));
const target = path.join(root, 'docs/schema/result.schema.json');
mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, resultJsonSchemaText());
console.log(`wrote ${path.relative(root, target)}`);
