/**
 * Lists the routes an Express 5 app serves by walking its router stack (mounted routers
 * included), so a test can check that the OpenAPI document describes every one of them.
 */
import type { Express } from 'express';

export interface ServedRoute {
  method: string;
  /** Express form, e.g. `/v1/jobs/:id`. */
  path: string;
}

interface LayerLike {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
  rawPath?: string | string[] | RegExp;
}

export function listRoutes(app: Express): ServedRoute[] {
  const root = (app as unknown as { router: { stack: LayerLike[] } }).router;
  const out: ServedRoute[] = [];
  walk(root.stack, '', out);
  const seen = new Set<string>();
  return out.filter((r) => {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function walk(stack: LayerLike[], prefix: string, out: ServedRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      for (const p of [layer.route.path].flat()) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: join(prefix, String(p)) });
        }
      }
    } else if (layer.handle?.stack) {
      const raw = layer.rawPath;
      if (raw instanceof RegExp) throw new Error(`router mounted on a RegExp (${String(raw)}) cannot be described`);
      for (const p of [raw ?? '/'].flat()) walk(layer.handle.stack, join(prefix, String(p)), out);
    }
  }
}

function join(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}
