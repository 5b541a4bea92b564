/**
 * A provider's `version`: what, besides its name, changes its answers. For an API, the model and
 * the endpoint it is asked at; for a local provider, the versions of the code, engine and data it
 * runs. The stage cache keys stages B and C on it (docs/cache.md), so a new model, a new endpoint
 * or an upgraded engine never serves an answer cached from the old one. It is logged and hashed,
 * so it never holds a credential: an endpoint keeps only its scheme, host and path.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RIVAL_FLOOR, RIVAL_MARGIN } from './local/text/formula-reader';

/** `scheme://host[:port]/path` of a base URL, without user info, query or fragment (they may carry keys). */
export function endpointOf(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return 'unparsable-url';
  }
}

/** An API provider's version: `<model> at <endpoint>`, or the endpoint alone when it has no model choice. */
export function apiProviderVersion(baseUrl: string, model?: string): string {
  return model ? `${model} at ${endpointOf(baseUrl)}` : endpointOf(baseUrl);
}

const OWN_NAME = '@mpp/providers';
const versions = new Map<string, string>();

/** The installed version of a package, read once from the package.json above its entry point. */
function installedVersion(pkg: string): string {
  let version = versions.get(pkg);
  if (version === undefined) versions.set(pkg, (version = readInstalledVersion(pkg)));
  return version;
}

function readInstalledVersion(pkg: string): string {
  try {
    // This package's own entry is this file's directory (src/ or dist/, both under the package root).
    let dir = pkg === OWN_NAME ? __dirname : path.dirname(require.resolve(pkg));
    for (let i = 0; i < 5; i++, dir = path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (json.name === pkg && json.version) return json.version;
    }
  } catch {
    // not installed: the version cannot be told apart from any other unknown one
  }
  return 'unknown';
}

/** This package, the OCR engine and its language data: what every local provider's answers depend on. */
function localEngineVersions(): string {
  return [OWN_NAME, 'tesseract.js', '@tesseract.js-data/eng'].map((pkg) => `${pkg} ${installedVersion(pkg)}`).join(', ');
}

/** A local provider's version; `formulas` describes the formula recogniser when the provider runs one. */
export function localProviderVersion(formulas?: { threshold: number }): string {
  if (!formulas) return localEngineVersions();
  // The reading policy is part of it: a change to when the recogniser's reading wins changes the answers.
  return `${localEngineVersions()}, @mpp/recognizer ${installedVersion('@mpp/recognizer')} at threshold ${formulas.threshold} (rival ${RIVAL_FLOOR} + ${RIVAL_MARGIN}, display and inline blocks)`;
}
