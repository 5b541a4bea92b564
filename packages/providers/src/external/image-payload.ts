/**
 * Image bytes as the external APIs want them: the media type read from the bytes (never from a
 * file name), and for the vision LLMs a copy that fits their limits (long edge 1568 px, 5 MB),
 * with the scale needed to map boxes back to the image stage C was given.
 *
 * Anthropic applies its 5 MB limit to the base64 string it receives ("image exceeds 5 MB maximum:
 * <base64 length> bytes > 5242880 bytes"), not to the decoded bytes; base64 grows data by 4/3, so
 * an image of 3.75-5 MB is already too large. The size checked here is therefore the encoded one.
 */
import sharp from 'sharp';

export type ImageMediaType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';

export function mediaTypeOf(bytes: Buffer): ImageMediaType | undefined {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 12 && bytes.toString('ascii', 0, 4) === 'RIFF' && bytes.toString('ascii', 8, 12) === 'WEBP') return 'image/webp';
  if (bytes.length >= 6 && bytes.toString('ascii', 0, 3) === 'GIF') return 'image/gif';
  return undefined;
}

export interface LlmImage {
  data: Buffer;
  mediaType: ImageMediaType;
  /** Size of the image sent. */
  width: number;
  height: number;
  /** Multiply coordinates in the sent image by this to get the original's. */
  scaleBack: number;
}

export const LLM_MAX_EDGE = 1568;
/** The most base64 characters one image may take (Anthropic's 5 MB, counted on the encoded string). */
export const LLM_MAX_BASE64_BYTES = 5 * 1024 * 1024;

/** Length of `bytes` once base64-encoded (with padding), what the API measures. */
export const base64Length = (bytes: number): number => Math.ceil(bytes / 3) * 4;

export async function prepareLlmImage(bytes: Buffer, maxEdge = LLM_MAX_EDGE, maxBase64Bytes = LLM_MAX_BASE64_BYTES): Promise<LlmImage> {
  const meta = await sharp(bytes).metadata();
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const type = mediaTypeOf(bytes);
  const longEdge = Math.max(width, height);
  if (type && longEdge <= maxEdge && base64Length(bytes.length) <= maxBase64Bytes) return { data: bytes, mediaType: type, width, height, scaleBack: 1 };
  let edge = Math.min(maxEdge, longEdge || maxEdge);
  for (;;) {
    const resized = sharp(bytes).resize({ width: edge, height: edge, fit: 'inside', withoutEnlargement: true });
    const out = await (type === 'image/png' || !type ? resized.png({ compressionLevel: 9 }) : resized.jpeg({ quality: 85 })).toBuffer({ resolveWithObject: true });
    if (base64Length(out.data.length) <= maxBase64Bytes || edge <= 256) {
      const mediaType: ImageMediaType = type === 'image/png' || !type ? 'image/png' : 'image/jpeg';
      return { data: out.data, mediaType, width: out.info.width, height: out.info.height, scaleBack: longEdge / Math.max(out.info.width, out.info.height) };
    }
    edge = Math.round(edge * 0.75);
  }
}
