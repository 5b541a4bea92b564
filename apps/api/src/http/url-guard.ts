/**
 * The API's answers for the shared SSRF guard (@mpp/url-guard): a URL that is not http(s) is a
 * 400, one whose host is or resolves to a private, loopback, link-local, metadata or otherwise
 * non-public address is a 422 `url-not-allowed`, unless `ALLOW_PRIVATE_URLS`.
 */
import { checkOutboundUrl, urlRefusalOf, type GuardOptions, type UrlNotAllowedError } from '@mpp/url-guard';
import { HttpProblem } from './problem';

/** Refuses `raw` at the door (scheme, literal host, every resolved address). */
export async function assertPublicUrl(raw: string, allowPrivate: boolean, field: string, guard: Omit<GuardOptions, 'allowPrivate' | 'label'> = {}): Promise<void> {
  try {
    await checkOutboundUrl(raw, { ...guard, allowPrivate, label: field });
  } catch (err) {
    const refusal = urlRefusalOf(err);
    throw refusal ? refusalProblem(refusal, field) : err;
  }
}

export function refusalProblem(refusal: UrlNotAllowedError, field: string): HttpProblem {
  switch (refusal.reason) {
    case 'not_a_url':
      return new HttpProblem(400, 'validation-error', 'Request validation failed', `${field} is not a URL`, [{ field, message: 'not a URL' }]);
    case 'scheme_not_allowed':
      return new HttpProblem(400, 'validation-error', 'Request validation failed', `${field} must use http or https`, [{ field, message: 'scheme not allowed' }]);
    case 'does_not_resolve':
      // For an image_url this is a failed download; for a webhook_url, a target that cannot exist.
      return field.endsWith('image_url')
        ? new HttpProblem(422, 'image-fetch-failed', 'Image download failed', refusal.message, [{ field, message: 'host does not resolve' }])
        : new HttpProblem(422, 'url-not-resolvable', 'URL host does not resolve', refusal.message, [{ field, message: 'host does not resolve' }]);
    case 'private_address':
      return new HttpProblem(422, 'url-not-allowed', 'URL not allowed', `${field} points to a private, loopback or link-local address`, [{ field, message: 'private address refused' }]);
  }
}
