/**
 * Identifies an image by its first bytes, before any decoder sees it: only PNG, JPEG and WebP
 * are accepted, and a rejected file is named (PDF, GIF, SVG...) so the person who sent it knows
 * what went wrong.
 */

export type AcceptedFormat = 'png' | 'jpeg' | 'webp';
export type SniffedFormat = AcceptedFormat | 'pdf' | 'gif' | 'svg' | 'bmp' | 'tiff' | 'heif' | 'zip' | 'unknown';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((b, i) => bytes[offset + i] === b);
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.subarray(start, end)).toString('latin1');
}

export function sniffFormat(bytes: Uint8Array): SniffedFormat {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  if (ascii(bytes, 0, 5) === '%PDF-') return 'pdf';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(bytes, 0, 2) === 'BM') return 'bmp';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (ascii(bytes, 4, 8) === 'ftyp') return 'heif';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  // SVG is text: look for the root element near the start, after an optional BOM, XML prolog or comments.
  const head = ascii(bytes, 0, Math.min(bytes.length, 1024)).toLowerCase();
  if (/^(\ufeff|\xef\xbb\xbf)?\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!doctype[^>]*>\s*)*<svg[\s>]/.test(head)) return 'svg';
  return 'unknown';
}

export function isAcceptedFormat(format: SniffedFormat): format is AcceptedFormat {
  return format === 'png' || format === 'jpeg' || format === 'webp';
}
