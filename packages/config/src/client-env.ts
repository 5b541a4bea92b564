/**
 * The environment of the client programs (the `mathpix-pipeline` CLI): where the API is and the key
 * to send. Separate from the service's `Env`: a laptop running the CLI has none of the server's
 * variables, and the server never reads these.
 */
import { z } from 'zod';
import { ConfigError } from './env';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const ClientEnvSchema = z.object({
  MATHPIX_PIPELINE_API_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
  MATHPIX_PIPELINE_API_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
});

export interface ClientEnv {
  apiUrl?: string;
  apiKey?: string;
}

/** Parses the client variables (default `process.env`); throws `ConfigError` naming a bad one. */
export function parseClientEnv(source: Record<string, string | undefined> = process.env): ClientEnv {
  const result = ClientEnvSchema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => ({ variable: String(i.path[0] ?? '(env)'), message: i.message })));
  }
  const { MATHPIX_PIPELINE_API_URL: apiUrl, MATHPIX_PIPELINE_API_KEY: apiKey } = result.data;
  return { ...(apiUrl ? { apiUrl } : {}), ...(apiKey ? { apiKey } : {}) };
}
