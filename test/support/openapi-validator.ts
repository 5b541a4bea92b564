/**
 * Checks real answers of the API against its OpenAPI document: finds the operation a request hit,
 * the response described for its status and media type, and validates JSON bodies with ajv
 * (JSON Schema 2020-12, as OpenAPI 3.1 uses). `capturingFetch` wraps `fetch` so every answer a
 * test (or the SDK under test) receives is checked; `problems()` lists the mismatches seen.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { OpenApiDocument } from '../../apps/api/src/openapi/build';

/** application/json and +json types (problem+json), not application/x-ndjson. */
const JSON_MEDIA = /[/+]json$/;

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  params: number;
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}

export interface Captured {
  method: string;
  path: string;
  status: number;
  mediaType: string;
  operation: string | null;
}

export class OpenApiResponseValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly operations: Operation[] = [];
  private readonly compiled = new Map<string, ValidateFunction>();
  readonly captured: Captured[] = [];
  private readonly mismatches: string[] = [];

  constructor(private readonly doc: OpenApiDocument) {
    addFormats(this.ajv);
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const pattern = new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`);
        this.operations.push({ method: method.toUpperCase(), template, pattern, params: (template.match(/\{/g) ?? []).length, responses: (op as { responses: Operation['responses'] }).responses });
      }
    }
    // A literal segment wins over a parameter (`/v1/reviews/feedback.jsonl` before `/v1/reviews/{id}`).
    this.operations.sort((a, b) => a.params - b.params);
  }

  /** Every component schema compiles (a broken `$ref` or keyword fails here). */
  compileAll(): string[] {
    return Object.keys(this.doc.components.schemas).map((name) => (this.component(name), name));
  }

  /** Returns the mismatch, or null when the answer is described and its body fits. */
  check(method: string, path: string, status: number, contentType: string | null, body: string): string | null {
    const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const op = this.operations.find((o) => o.method === method.toUpperCase() && o.pattern.test(path));
    this.captured.push({ method, path, status, mediaType, operation: op ? `${op.method} ${op.template}` : null });
    const fail = (why: string) => {
      const msg = `${method} ${path} -> ${status} ${mediaType}: ${why}`;
      this.mismatches.push(msg);
      return msg;
    };
    if (!op) return fail('no operation describes this path');
    const response = op.responses[String(status)] ?? op.responses.default;
    if (!response) return fail(`status ${status} is not described for ${op.template}`);
    if (!response.content) return body.length === 0 ? null : fail('a body where none is described');
    const media = response.content[mediaType];
    if (!media) return fail(`media type not described (described: ${Object.keys(response.content).join(', ')})`);
    if (!JSON_MEDIA.test(mediaType)) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return fail('body is not JSON');
    }
    const validate = this.schemaValidator(media.schema);
    if (!validate(parsed)) return fail(this.ajv.errorsText(validate.errors, { separator: '; ' }).slice(0, 2000));
    return null;
  }

  problems(): string[] {
    return [...this.mismatches];
  }

  /** A `fetch` that checks every answer against the document before handing it back. */
  capturingFetch(baseUrl: string): typeof fetch {
    return async (input, init) => {
      const res = await fetch(input, init);
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      if (!url.href.startsWith(baseUrl)) return res;
      const method = (init?.method ?? (typeof input === 'object' && 'method' in input ? input.method : 'GET')).toUpperCase();
      const type = res.headers.get('content-type');
      // Streams (SSE) are checked by media type only: reading them would wait for their end.
      if ((type ?? '').startsWith('text/event-stream')) {
        this.check(method, url.pathname, res.status, type, '');
        return res;
      }
      const bytes = Buffer.from(await res.arrayBuffer());
      this.check(method, url.pathname, res.status, type, JSON_MEDIA.test((type ?? '').split(';')[0]!.trim()) ? bytes.toString('utf8') : '');
      return new Response(res.status === 204 || res.status === 304 ? null : bytes, { status: res.status, statusText: res.statusText, headers: res.headers });
    };
  }

  private schemaValidator(schema: Record<string, unknown>): ValidateFunction {
    const ref = typeof schema.$ref === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(schema.$ref)?.[1] : undefined;
    if (ref) return this.component(ref);
    const key = JSON.stringify(schema);
    let v = this.compiled.get(key);
    if (!v) this.compiled.set(key, (v = this.ajv.compile(schema)));
    return v;
  }

  private component(name: string): ValidateFunction {
    const key = `component:${name}`;
    let v = this.compiled.get(key);
    if (!v) {
      const schema = this.doc.components.schemas[name];
      if (!schema) throw new Error(`no component ${name}`);
      // Its own $id, so `#/$defs/...` inside it resolves within the component.
      this.compiled.set(key, (v = this.ajv.compile({ ...(schema as object), $id: `urn:mpp:component:${name}` })));
    }
    return v;
  }
}
