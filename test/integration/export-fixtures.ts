/**
 * Small fixtures for the read/search and export suites: patients with blinatumomab infusions (which
 * the assemble worker turns into courses), posted over HTTP, and helpers to poll a bulk export.
 */
import type { Bundle, Group, MedicationAdministration, Patient, Resource } from '@medplum/fhirtypes';
import { transaction, type Harness } from '../helpers/harness';

export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

export function infusion(id: string, patient: string, day: string): MedicationAdministration {
  return {
    resourceType: 'MedicationAdministration',
    id,
    status: 'completed',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: '1597258', display: 'blinatumomab' }] },
    subject: { reference: `Patient/${patient}` },
    effectivePeriod: { start: `${day}T08:00:00Z`, end: `${day}T23:59:00Z` },
    dosage: { rateQuantity: { value: 28, unit: 'ug/d', system: 'http://unitsofmeasure.org', code: 'ug/d' } },
  };
}

export const patient = (id: string): Patient => ({ resourceType: 'Patient', id });

export function group(id: string, members: string[]): Group {
  return {
    resourceType: 'Group',
    id,
    type: 'person',
    actual: true,
    member: members.map((m) => ({ entity: { reference: `Patient/${m}` } })),
  };
}

/** One patient with `days` daily infusions starting 2015-02-01. */
export function patientBundle(p: string, days = 2): Bundle {
  const res: Resource[] = [patient(p)];
  for (let d = 0; d < days; d++)
    res.push(infusion(`${p}-ma${d}`, p, `2015-02-${String(d + 1).padStart(2, '0')}`));
  return transaction(res);
}

export async function post(h: Harness, token: string, bundle: Bundle): Promise<void> {
  const res = await h.request('POST', '/fhir', { token, body: bundle });
  if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: Array<{ type: string; url: string; count: number }>;
  error: Array<{ type: string; url: string; count: number }>;
}

/** Polls a status URL until it stops answering 202; returns the last answer. */
export async function poll(h: Harness, statusUrl: string, token: string): ReturnType<Harness['request']> {
  const path = new URL(statusUrl).pathname;
  for (let i = 0; i < 300; i++) {
    const s = await h.request('GET', path, { token });
    if (s.status !== 202) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('export did not finish');
}

export async function kickOff(
  h: Harness,
  path: string,
  token: string,
  opts: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  return h.request(opts.method ?? 'GET', path, {
    token,
    body: opts.body,
    headers: { prefer: 'respond-async', accept: 'application/fhir+json', ...(opts.headers ?? {}) },
  });
}

/** Runs an export to completion and downloads every file: type → parsed lines. */
export async function exportAll(
  h: Harness,
  path: string,
  token: string,
): Promise<{ manifest: Manifest; files: Map<string, Resource[]>; errors: Resource[] }> {
  const k = await kickOff(h, path, token);
  if (k.status !== 202) throw new Error(`kick-off failed: ${k.status} ${JSON.stringify(k.body)}`);
  const done = await poll(h, k.headers.get('content-location')!, token);
  if (done.status !== 200) throw new Error(`export failed: ${done.status} ${JSON.stringify(done.body)}`);
  const manifest = done.body as Manifest;
  const files = new Map<string, Resource[]>();
  const download = async (url: string) => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`download ${res.status}`);
    expect(res.headers.get('content-type')).toContain('application/fhir+ndjson');
    const text = await res.text();
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Resource);
  };
  for (const o of manifest.output)
    files.set(o.type, [...(files.get(o.type) ?? []), ...(await download(o.url))]);
  const errors: Resource[] = [];
  for (const e of manifest.error) errors.push(...(await download(e.url)));
  return { manifest, files, errors };
}
