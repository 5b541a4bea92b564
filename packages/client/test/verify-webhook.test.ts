/**
 * `verifyWebhook` against deliveries signed by the `standardwebhooks` library itself: a correctly
 * signed body is accepted and parsed, whatever shape the headers come in; a tampered body, another
 * secret or a stale timestamp is refused.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { verifyWebhook, WebhookVerificationError, type WebhookEvent } from '../src';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

function signedDelivery(body: string, at = new Date(), secret = SECRET): Record<string, string> {
  const id = `msg_${randomBytes(8).toString('hex')}`;
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) };
}

const BODY = JSON.stringify({ type: 'job.completed', timestamp: '2026-01-01T00:00:00.000Z', data: { id: 'job-1', status: 'completed' } });

describe('verifyWebhook', () => {
  it('accepts a correctly signed delivery and returns the event', () => {
    const event = verifyWebhook<WebhookEvent>(signedDelivery(BODY), BODY, SECRET);
    expect(event).toEqual(JSON.parse(BODY));
  });

  it('reads a Headers object, headers in any case and a body as bytes', () => {
    const headers = signedDelivery(BODY);
    expect(verifyWebhook(new Headers(headers), new TextEncoder().encode(BODY), SECRET)).toMatchObject({ type: 'job.completed' });
    const shouting = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook(shouting, BODY, SECRET)).toMatchObject({ data: { id: 'job-1' } });
  });

  it('refuses a tampered body, another secret, a missing signature and a stale timestamp', () => {
    const headers = signedDelivery(BODY);
    const refused = (fn: () => unknown) => expect(fn).toThrow(WebhookVerificationError);
    refused(() => verifyWebhook(headers, BODY.replace('completed', 'failed'), SECRET));
    refused(() => verifyWebhook(headers, BODY, `whsec_${randomBytes(32).toString('base64')}`));
    refused(() => verifyWebhook({ ...headers, 'webhook-signature': '' }, BODY, SECRET));
    // Outside the five-minute tolerance: a replayed delivery.
    refused(() => verifyWebhook(signedDelivery(BODY, new Date(Date.now() - 10 * 60_000)), BODY, SECRET));
  });
});
