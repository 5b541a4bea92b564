/**
 * @mpp/url-guard: the one SSRF guard for every request the server makes on a client's behalf
 * (`image_url` downloads, webhook deliveries). Public unicast addresses only, classified by
 * ipaddr.js; checked on the URL, after DNS resolution, and on the address each connection uses.
 */
export * from './address-policy';
export * from './errors';
export * from './check-url';
export * from './guarded-request';
