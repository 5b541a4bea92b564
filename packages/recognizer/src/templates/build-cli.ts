/**
 * `node build-cli.js <cacheDir>`: builds the template set into the cache directory and exits, so
 * the memory the build takes is returned when this process ends (see cache.ts). Exit code 0 when
 * the file was written.
 */
import { buildIntoCache } from './cache';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: build-cli.js <cacheDir>\n');
  process.exit(2);
}
buildIntoCache(dir).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
