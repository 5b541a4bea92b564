/**
 * Standard Webhooks 1.0 headers, signed by the `standardwebhooks` library: `webhook-id` (the
 * delivery's id, the same on every retry so receivers can drop duplicates), `webhook-timestamp`
 * (seconds, the time of this attempt) and `webhook-signature` (`v1,<base64 HMAC-SHA256>` over
 * `id.timestamp.body` with the `whsec_...` secret).
 */
import { Webhook } from 'standardwebhooks';

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export class WebhookSigner {
  private readonly webhook: Webhook;

  constructor(secret: string) {
    this.webhook = new Webhook(secret);
  }

  sign(id: string, body: string, at = new Date()): SignedHeaders {
    const timestamp = new Date(Math.floor(at.getTime() / 1000) * 1000);
    return {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp.getTime() / 1000),
      'webhook-signature': this.webhook.sign(id, timestamp, body),
    };
  }
}
