/**
 * `GET /v1/jobs/:id/image`: the image the stages worked on (stage A's normalised PNG), or the
 * original when ingestion was skipped, so pages can draw regions and elements over it.
 */
import express, { type Request, type Response, type Router } from 'express';
import { BlobNotFoundError } from '@mpp/store';
import { HttpProblem } from '../http/problem';
import type { ApiDeps } from '../deps';

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function jobImageRouter(deps: ApiDeps): Router {
  const router = express.Router();
  router.get('/:id/image', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const record = JOB_ID.test(id) ? await deps.store.get(id) : null;
    if (!record) throw new HttpProblem(404, 'job-not-found', 'Job not found', `no job ${id.slice(0, 80)} (it may have expired)`);
    const ingestion = await deps.store.getOutput(id, 'A');
    const ref = ingestion?.image_ref ?? record.original_ref;
    let bytes: Buffer;
    try {
      bytes = await deps.blobs.get(ref);
    } catch (err) {
      if (err instanceof BlobNotFoundError) throw new HttpProblem(404, 'image-not-found', 'Image not found', 'the image of this job has expired');
      throw err;
    }
    res.setHeader('Content-Type', ingestion ? 'image/png' : sniffType(bytes));
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.send(bytes);
  });
  return router;
}

function sniffType(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF') return 'image/webp';
  return 'image/png';
}
