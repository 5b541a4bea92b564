/** Stage B's Mathpix provider: the client's call under the shared resilience policies, mapped to stage B. */
import type { ResilientCaller } from '@mpp/resilience';
import { mediaTypeOf } from '../image-payload';
import { perCallUsage } from '../usage';
import type { MathpixClient } from './mathpix-client';
import { mapMathpixText, type MathpixTextResult } from './mathpix-mapping';

export class MathpixTextProvider {
  readonly name = 'mathpix';

  constructor(
    private readonly client: MathpixClient,
    private readonly caller: ResilientCaller,
    private readonly perCallUsd: number,
  ) {}

  /** What changes this provider's answers besides its name (provider-version.ts). */
  get version(): string {
    return this.client.version;
  }

  async parse(image: Buffer, opts: { signal: AbortSignal }): Promise<MathpixTextResult> {
    const mediaType = mediaTypeOf(image) ?? 'image/png';
    const answer = await this.caller.call((signal) => this.client.text(image, mediaType, signal), opts.signal);
    const usage = perCallUsage(this.name, this.perCallUsd);
    return { ...mapMathpixText(answer), usage };
  }
}
