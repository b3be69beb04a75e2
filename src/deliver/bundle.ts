/**
 * Outputs → transaction Bundles for a registry: pure. Each entry is a conditional update on the
 * output's stable identifier (`PUT MedicationStatement?identifier=system|value`), so the registry
 * keeps its own ids, a re-send matches the same resource (a no-op when unchanged), and a withdrawn
 * output arrives as an update to status `entered-in-error`. Courses go before flags (flags point
 * at courses), then by key, so the order is stable.
 */
import type { Bundle, BundleEntry, Identifier, Resource } from '@medplum/fhirtypes';
import type { PayloadStyle } from './destinations';

export interface PendingOutput {
  key: string;
  versionId: string;
  resource: Resource;
}

const TYPE_ORDER: Record<string, number> = { MedicationStatement: 0, DetectedIssue: 1 };

export function stableIdentifier(r: Resource): Identifier | undefined {
  return ((r as { identifier?: Identifier[] }).identifier ?? []).find((i) => i.system && i.value);
}

/** References made absolute at `base` (`<base>/fhir/Type/id`); contained (`#x`) ones stay. */
function absolutize(v: unknown, base: string): unknown {
  if (Array.isArray(v)) return v.map((x) => absolutize(x, base));
  if (!v || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] =
      k === 'reference' && typeof x === 'string' && /^[A-Z][A-Za-z]+\/[^/]/.test(x)
        ? `${base}/fhir/${x}`
        : absolutize(x, base);
  }
  return out;
}

/** The resource as the registry receives it: no id or server meta of ours (the registry's own apply). */
export function registryPayload(r: Resource, style: PayloadStyle, publicBase: string): Resource {
  const { id: _id, meta, ...rest } = r;
  const body = (style === 'absolute' ? absolutize(rest, publicBase) : rest) as Resource;
  if (meta?.profile) body.meta = { profile: meta.profile };
  return body;
}

export function orderForDelivery(outputs: PendingOutput[]): PendingOutput[] {
  return [...outputs].sort(
    (a, b) =>
      (TYPE_ORDER[a.resource.resourceType] ?? 9) - (TYPE_ORDER[b.resource.resourceType] ?? 9) ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

export function transactionBundles(
  outputs: PendingOutput[],
  opts: { style: PayloadStyle; publicBase: string; size: number },
): Array<{ bundle: Bundle; outputs: PendingOutput[] }> {
  const out: Array<{ bundle: Bundle; outputs: PendingOutput[] }> = [];
  const ordered = orderForDelivery(outputs).filter((o) => stableIdentifier(o.resource));
  for (let i = 0; i < ordered.length; i += opts.size) {
    const chunk = ordered.slice(i, i + opts.size);
    const entry: BundleEntry[] = chunk.map((o) => {
      const ident = stableIdentifier(o.resource)!;
      const query = new URLSearchParams({ identifier: `${ident.system}|${ident.value}` }).toString();
      return {
        resource: registryPayload(o.resource, opts.style, opts.publicBase),
        request: { method: 'PUT', url: `${o.resource.resourceType}?${query}` },
      };
    });
    out.push({ bundle: { resourceType: 'Bundle', type: 'transaction', entry }, outputs: chunk });
  }
  return out;
}
