/** Paths to the images under test/fixtures (see its README for sources and licences). */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const FIXTURES = path.resolve(__dirname, '../fixtures');
export const fixturePath = (...parts: string[]) => path.join(FIXTURES, ...parts);
export const readFixture = (...parts: string[]) => readFileSync(fixturePath(...parts));
