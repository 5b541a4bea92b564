/**
 * Named errors of the recogniser. Each carries a stable `code` so callers (stage B) can switch on
 * it without parsing messages.
 */
export type RecognizerErrorCode =
  | 'invalid_image' // the input could not be decoded or has no pixels
  | 'render_failed' // MathJax refused a template or benchmark formula
  | 'template_cache' // the on-disk template cache could not be written (reading falls back to a rebuild)
  | 'aborted'; // the caller's AbortSignal fired

export class RecognizerError extends Error {
  override readonly name = 'RecognizerError';
  constructor(
    readonly code: RecognizerErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RecognizerError('aborted', 'recognition aborted by the caller');
}
