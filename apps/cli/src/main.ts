#!/usr/bin/env node
/** Entry point of the `mathpix-pipeline` binary (see program.ts). */
import { ConfigError, parseClientEnv, type ClientEnv } from '@mpp/config';
import { runCli } from './program';

let env: ClientEnv = {};
try {
  env = parseClientEnv();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`error: ${err.message}\n`);
  process.exit(2);
}

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
