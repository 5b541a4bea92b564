/** Why an outbound URL was refused; callers map it to their own answer (a 4xx, a dead letter). */
export type UrlRefusal = 'not_a_url' | 'scheme_not_allowed' | 'private_address' | 'does_not_resolve';

export class UrlNotAllowedError extends Error {
  readonly code = 'url_not_allowed';
  constructor(
    readonly reason: UrlRefusal,
    message: string,
    /** The refused address, for `private_address`. */
    readonly address?: string,
  ) {
    super(message);
    this.name = 'UrlNotAllowedError';
  }
}

/** The guard's refusal behind an error (sockets wrap lookup errors in some Node versions). */
export function urlRefusalOf(err: unknown): UrlNotAllowedError | undefined {
  if (err instanceof UrlNotAllowedError) return err;
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause instanceof UrlNotAllowedError ? cause : undefined;
}
