/**
 * The events a receiver can get and the one payload shape they share:
 * `{type, timestamp, data: {id, status, links}}`.
 */
import type { JobStatus } from '@mpp/schemas';

export const WEBHOOK_EVENTS = ['job.completed', 'job.failed', 'job.awaiting_review', 'job.cancelled', 'batch.completed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** Job statuses that emit an event, and the event they emit. Other transitions emit nothing. */
export const JOB_STATUS_EVENTS: Partial<Record<JobStatus, WebhookEventType>> = {
  completed: 'job.completed',
  failed: 'job.failed',
  awaiting_review: 'job.awaiting_review',
  cancelled: 'job.cancelled',
};

export interface WebhookPayload {
  type: WebhookEventType;
  timestamp: string;
  data: { id: string; status: string; links: Record<string, string> };
}

/** Links sent outside are absolute when `PUBLIC_BASE_URL` is set, relative otherwise. */
export function absolute(base: string | undefined, path: string): string {
  return base ? new URL(path, base.endsWith('/') ? base : `${base}/`).toString().replace(/(?<!:)\/\/+/g, '/') : path;
}

export function jobPayload(type: WebhookEventType, id: string, status: string, baseUrl?: string, now = new Date()): WebhookPayload {
  const self = `/v1/jobs/${id}`;
  const links: Record<string, string> = { self: absolute(baseUrl, self), events: absolute(baseUrl, `${self}/events`) };
  if (status === 'completed') links.result = absolute(baseUrl, `${self}/result`);
  return { type, timestamp: now.toISOString(), data: { id, status, links } };
}

export function batchPayload(id: string, baseUrl?: string, now = new Date()): WebhookPayload {
  return { type: 'batch.completed', timestamp: now.toISOString(), data: { id, status: 'completed', links: { self: absolute(baseUrl, `/v1/batches/${id}`) } } };
}
