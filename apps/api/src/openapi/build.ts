/**
 * Builds an OpenAPI 3.1 document from zod schemas (zod 4's `z.toJSONSchema`, JSON Schema
 * 2020-12, which OpenAPI 3.1 uses as is). Named schemas become `components.schemas`; request
 * bodies are described in zod's input form (what clients send), responses in its output form.
 */
import { z } from 'zod';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ParamSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  description: string;
  required?: boolean;
  schema: z.ZodType;
}

export interface BodySpec {
  /** content type -> schema: a component name, or an inline zod schema. */
  [contentType: string]: string | z.ZodType;
}

export interface ResponseSpec {
  description: string;
  content?: BodySpec;
  headers?: Record<string, string>;
}

export interface OperationSpec {
  method: Method;
  /** Express form, e.g. `/v1/jobs/:id`; turned into `{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  params?: ParamSpec[];
  requestBody?: { required?: boolean; content: BodySpec };
  responses: Record<string, ResponseSpec>;
  security?: 'api-key' | 'mathpix' | 'none';
}

export interface DocumentSpec {
  title: string;
  version: string;
  description: string;
  /** name -> [schema, 'input' | 'output'] */
  components: Record<string, [z.ZodType, 'input' | 'output']>;
  operations: OperationSpec[];
}

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Partial<Record<Method, Record<string, unknown>>>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  [key: string]: unknown;
};

export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

export function buildOpenApi(spec: DocumentSpec): OpenApiDocument {
  const schemas: Record<string, unknown> = {};
  for (const [name, [schema, io]] of Object.entries(spec.components)) schemas[name] = jsonSchema(schema, io);
  const ref = (s: string | z.ZodType, io: 'input' | 'output') => (typeof s === 'string' ? { $ref: `#/components/schemas/${assertComponent(s, schemas)}` } : jsonSchema(s, io));
  const content = (body: BodySpec, io: 'input' | 'output') => Object.fromEntries(Object.entries(body).map(([type, s]) => [type, { schema: ref(s, io) }]));

  const paths: OpenApiDocument['paths'] = {};
  for (const op of spec.operations) {
    const path = toOpenApiPath(op.path);
    const item = (paths[path] ??= {});
    if (item[op.method]) throw new Error(`operation ${op.method.toUpperCase()} ${path} is described twice`);
    item[op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: op.tags,
      ...(op.params?.length ? { parameters: op.params.map((p) => ({ name: p.name, in: p.in, description: p.description, required: p.in === 'path' ? true : (p.required ?? false), schema: jsonSchema(p.schema, 'input') })) } : {}),
      ...(op.requestBody ? { requestBody: { required: op.requestBody.required ?? true, content: content(op.requestBody.content, 'input') } } : {}),
      responses: Object.fromEntries(
        Object.entries(op.responses).map(([status, r]) => [
          status,
          {
            description: r.description,
            ...(r.headers ? { headers: Object.fromEntries(Object.entries(r.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) } : {}),
            ...(r.content ? { content: content(r.content, 'output') } : {}),
          },
        ]),
      ),
      ...(op.security === 'none' ? { security: [] } : op.security === 'mathpix' ? { security: [{}, { mathpixAppKey: [] }, { bearer: [] }] } : {}),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: spec.title, version: spec.version, description: spec.description },
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'One of API_KEYS (only enforced when API_KEYS is set).' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'One of API_KEYS (only enforced when API_KEYS is set).' },
        mathpixAppKey: { type: 'apiKey', in: 'header', name: 'app_key', description: 'Mathpix-style credentials on /v3/text: app_key is one of API_KEYS; app_id is informational.' },
      },
    },
    // Empty alternative: no key needed when API_KEYS is unset.
    security: [{}, { bearer: [] }, { apiKeyHeader: [] }],
  };
}

function assertComponent(name: string, schemas: Record<string, unknown>): string {
  if (!(name in schemas)) throw new Error(`unknown component schema "${name}"`);
  return name;
}
