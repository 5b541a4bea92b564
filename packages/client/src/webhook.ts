/**
 * Verifies a Standard Webhooks 1.0 delivery (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`) with the `standardwebhooks` library: signature over the exact raw body and
 * a timestamp within its tolerance (5 minutes). Returns the parsed event or throws
 * `WebhookVerificationError`.
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

export { WebhookVerificationError };

export interface WebhookEvent<T = { id: string; status: string; links?: Record<string, unknown>; [key: string]: unknown }> {
  type: string;
  timestamp: string;
  data: T;
}

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

export function verifyWebhook<E = WebhookEvent>(headers: HeaderBag, rawBody: string | Uint8Array, secret: string): E {
  const pick = (name: string): string => {
    if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? '';
    const bag = headers as Record<string, string | string[] | undefined>;
    const key = Object.keys(bag).find((k) => k.toLowerCase() === name);
    const v = key === undefined ? undefined : bag[key];
    return Array.isArray(v) ? v.join(', ') : (v ?? '');
  };
  const body = typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody);
  return new Webhook(secret).verify(body, {
    'webhook-id': pick('webhook-id'),
    'webhook-timestamp': pick('webhook-timestamp'),
    'webhook-signature': pick('webhook-signature'),
  }) as E;
}
