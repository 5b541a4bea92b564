/**
 * Image bytes for the bad-input corpus, made in code from bytes we control (test/fixtures says
 * why): broken, disguised and oversized files that must be refused, and unusual but valid ones
 * (CMYK, 16-bit, animated, trailing data) that must be accepted and processed.
 */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { PDF_BYTES, gifBytes, pngWithClaimedSize, pseudoRandomBytes } from '../../../packages/imaging/test/bad-inputs';
import { readFixture } from '../../support/fixtures';
import { smallPng } from './jobs';

/** A JPEG whose start-of-frame claims `width` x `height`; its scan data stays the small original's. */
function jpegWithClaimedSize(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let at = 2; at + 9 < out.length; ) {
    if (out[at] !== 0xff) throw new Error('not a marker');
    const marker = out[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xc3) {
      out.writeUInt16BE(height, at + 5);
      out.writeUInt16BE(width, at + 7);
      return out;
    }
    at += 2 + out.readUInt16BE(at + 2);
  }
  throw new Error('no start-of-frame marker');
}

/** A PNG claiming 16384x16384 whose IDAT is 16 MB of zeros deflated to a few KB: a real ratio bomb. */
function pngDeflateBomb(): Buffer {
  const claimed = pngWithClaimedSize(16_384, 16_384);
  const ihdrEnd = 8 + 25;
  const idat = deflateSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([len, Buffer.from(type), data, crc]);
  };
  return Buffer.concat([claimed.subarray(0, ihdrEnd), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

export interface HostileImages {
  png: Buffer;
  jpeg: Buffer;
  refused: Record<string, { bytes: Buffer; check: string }>;
  accepted: Record<string, Buffer>;
}

export async function hostileImages(): Promise<HostileImages> {
  const png = readFixture('textbook', '11', 'img_problem.png');
  const jpeg = readFixture('geometry', '23.jpg');
  const drawn = () =>
    sharp({ create: { width: 160, height: 120, channels: 3, background: '#ffffff' } }).composite([{ input: { create: { width: 80, height: 8, channels: 3, background: '#000000' } }, top: 56, left: 40 }]);
  const frame = await drawn().png().toBuffer();
  const animatedGif = await sharp([frame, await drawn().negate().png().toBuffer()], { join: { animated: true } }).gif().toBuffer();
  const onePixel = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer();
  const signature = png.subarray(0, 8);
  return {
    png,
    jpeg,
    refused: {
      'zero bytes': { bytes: Buffer.alloc(0), check: 'empty' },
      'random bytes': { bytes: pseudoRandomBytes(4096), check: 'format' },
      'a PNG cut in half': { bytes: png.subarray(0, Math.floor(png.length / 2)), check: 'corrupt' },
      'a JPEG cut in half': { bytes: jpeg.subarray(0, Math.floor(jpeg.length / 2)), check: 'corrupt' },
      'a PNG whose magic bytes are zeroed': { bytes: Buffer.concat([Buffer.alloc(8), png.subarray(8)]), check: 'format' },
      'JPEG magic bytes in front of a PNG': { bytes: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), png]), check: 'corrupt' },
      'an HTML/JS polyglot behind the PNG signature': { bytes: Buffer.concat([signature, Buffer.from('<html><script>fetch("http://169.254.169.254/")</script></html>')]), check: 'corrupt' },
      'a PNG deflate bomb (16 MB of zeros in a 16384x16384 header)': { bytes: pngDeflateBomb(), check: 'max_dimensions' },
      'a PNG header claiming 60000x60000': { bytes: pngWithClaimedSize(60_000, 60_000), check: 'max_dimensions' },
      'a JPEG header claiming 65000x65000': { bytes: jpegWithClaimedSize(jpeg, 65_000, 65_000), check: 'max_dimensions' },
      'a 100000x1 PNG': { bytes: pngWithClaimedSize(100_000, 1), check: 'max_dimensions' },
      'a 1x1 PNG': { bytes: onePixel, check: 'min_dimensions' },
      'an animated GIF': { bytes: animatedGif, check: 'format' },
      'an SVG with a script': { bytes: Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"><script>alert(document.cookie)</script><circle cx="9" cy="9" r="8"/></svg>'), check: 'format' },
      'a PDF': { bytes: PDF_BYTES, check: 'format' },
      'a GIF': { bytes: await gifBytes(), check: 'format' },
      'a BMP header': { bytes: Buffer.concat([Buffer.from('BM'), pseudoRandomBytes(200)]), check: 'format' },
      'a ZIP': { bytes: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), pseudoRandomBytes(200)]), check: 'format' },
    },
    accepted: {
      'a CMYK JPEG': await drawn().toColourspace('cmyk').jpeg().toBuffer(),
      'a 16-bit PNG': await drawn().toColourspace('rgb16').png().toBuffer(),
      'an animated WebP': await sharp(animatedGif, { animated: true }).webp().toBuffer(),
      'a PNG with a ZIP appended (stage A re-encodes it)': Buffer.concat([frame, Buffer.from([0x50, 0x4b, 0x03, 0x04]), pseudoRandomBytes(300)]),
      'a small generated PNG': smallPng(424_242),
    },
  };
}
