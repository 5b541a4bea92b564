/** `/v1/webhooks/deliveries`: list deliveries by status (the dead letters are `failed`), redeliver one. */
import express, { type Request, type Response, type Router } from 'express';
import { DELIVERY_STATUSES, WEBHOOK_EVENTS, type DeliveryRecord, type WebhookService } from '@mpp/webhooks';
import { z } from 'zod';
import { HttpProblem, zodProblem } from '../http/problem';

export const DeliveryListQuery = z.strictObject({
  status: z.enum(DELIVERY_STATUSES).default('failed'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

const DELIVERY_ID = /^msg_[0-9a-f]{32}$/;

/** One delivery as the API shows it (OpenAPI describes answers with these). */
export const DeliveryView = z.object({
  id: z.string().meta({ description: 'The `webhook-id` header: the same on every retry and redelivery.' }),
  type: z.enum(WEBHOOK_EVENTS),
  subject_id: z.string().meta({ description: 'The job id, or the batch id for `batch.completed`.' }),
  url: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int().nonnegative(),
  redeliveries: z.number().int().nonnegative(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  next_attempt_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  payload: z.object({ type: z.enum(WEBHOOK_EVENTS), timestamp: z.string(), data: z.object({ id: z.string(), status: z.string(), links: z.record(z.string(), z.string()) }) }).nullable(),
});
export const DeliveryList = z.object({ status: z.enum(DELIVERY_STATUSES), total: z.number().int().nonnegative(), deliveries: z.array(DeliveryView) });

/** What the API shows of a delivery: everything but the raw body, which is shown parsed. */
export function deliveryView(d: DeliveryRecord): z.output<typeof DeliveryView> {
  let payload: z.output<typeof DeliveryView>['payload'] = null;
  try {
    payload = JSON.parse(d.body) as typeof payload;
  } catch {
    payload = null;
  }
  return {
    id: d.id,
    type: d.type,
    subject_id: d.subject_id,
    url: d.url,
    status: d.status,
    attempts: d.attempts,
    redeliveries: d.redeliveries,
    last_status_code: d.last_status_code,
    last_error: d.last_error,
    created_at: d.created_at,
    updated_at: d.updated_at,
    next_attempt_at: d.next_attempt_at,
    delivered_at: d.delivered_at,
    payload,
  };
}

export function webhooksRouter(webhooks: WebhookService): Router {
  const router = express.Router();

  router.get('/deliveries', async (req: Request, res: Response) => {
    const query = DeliveryListQuery.safeParse(req.query);
    if (!query.success) throw zodProblem(query.error, 'query');
    const { deliveries, total } = await webhooks.deliveries.list(query.data.status, query.data.limit, query.data.offset);
    res.json({ status: query.data.status, total, deliveries: deliveries.map(deliveryView) });
  });

  router.post('/deliveries/:id/redeliver', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!DELIVERY_ID.test(id)) throw notFound(id);
    const outcome = await webhooks.redeliver(id);
    if (outcome === null) throw notFound(id);
    if (outcome === 'pending') throw new HttpProblem(409, 'delivery-pending', 'Delivery still pending', `delivery ${id} is still being attempted; redeliver it once it was delivered or dead-lettered`);
    res.status(202).json(deliveryView(outcome));
  });

  return router;
}

function notFound(id: string): HttpProblem {
  return new HttpProblem(404, 'delivery-not-found', 'Delivery not found', `no webhook delivery ${id.slice(0, 80)} (it may have expired)`);
}
