/** Stage B's local text provider and the pieces other local providers may reuse. */
export { LocalTextProvider, type LocalTextResult, type LocalTextCallOptions } from './local-text-provider';
