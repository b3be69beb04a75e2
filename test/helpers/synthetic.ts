/**
 * Seed-shaped patients for load and crash tests: the seed bundles, with every id, reference and
 * urn:uuid renamed per copy `n` (and per `tag`), so copies never collide.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';

const SEEDS = join(__dirname, '..', 'fixtures', 'seeds');

export function seedBundles(n: number, tag = 'b'): Bundle[] {
  const files = readdirSync(SEEDS)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const base = files.map((f) => readFileSync(join(SEEDS, f), 'utf8'));
  const out: Bundle[] = [];
  for (let i = 0; i < n; i++) {
    const text = base[i % base.length];
    const p = `${tag}${i}-`;
    const renamed = text
      .replace(/"id":\s*"([^"]+)"/g, (_m, id) => `"id": "${p}${id}"`)
      .replace(/"reference":\s*"([A-Za-z]+)\/([^"]+)"/g, (_m, t, id) => `"reference": "${t}/${p}${id}"`)
      .replace(/"url":\s*"([A-Za-z]+)\/([^"]+)"/g, (_m, t, id) => `"url": "${t}/${p}${id}"`)
      .replace(
        /urn:uuid:([0-9a-f-]+)/g,
        (_m, u) => `urn:uuid:${u.slice(0, -6)}${String(i).padStart(6, '0')}`,
      );
    out.push(JSON.parse(renamed) as Bundle);
  }
  return out;
}
