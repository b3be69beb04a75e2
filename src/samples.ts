/**
 * `npm start -- --samples` (README's first command): once the API and workers listen, post the sample
 * patients (synthetic timelines modelled on the seed case reports, test/fixtures/seeds/) over HTTP,
 * wait for the queues to drain, and print each patient's courses and flags — codes and counts only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { DetectedIssue, MedicationStatement } from '@medplum/fhirtypes';
import { readLocalToken } from './auth/tokens';
import { REPO_ROOT } from './repo-root';
import type { Runtime } from './runtime';

export const SAMPLES_DIR = join(REPO_ROOT, 'test', 'fixtures', 'seeds');

async function drained(rt: Runtime): Promise<boolean> {
  for (const name of ['ingest', 'assemble'] as const) {
    const c = await rt.queues.get(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(c).some((n) => n > 0)) return false;
  }
  return true;
}

export async function loadSamples(rt: Runtime): Promise<void> {
  const token = process.env.BITEBRIDGE_SAMPLES_TOKEN ?? readLocalToken(rt.cfg.localTokenFile);
  if (!token) {
    rt.log.warn(
      'samples skipped: tokens are configured; set BITEBRIDGE_SAMPLES_TOKEN to a token with the ingest scope',
    );
    return;
  }
  const files = readdirSync(SAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const base = `http://${rt.cfg.host === '0.0.0.0' ? '127.0.0.1' : rt.cfg.host}:${rt.cfg.port}`;
  const out: string[] = [];
  for (const f of files) {
    const body = readFileSync(join(SAMPLES_DIR, f));
    let res: Response | undefined;
    // Like any well-behaved sender: a 503 (load shedding while start-up work still holds the event
    // loop, or Redis briefly away) is retried after its Retry-After; nothing was accepted by it.
    for (let attempt = 0; attempt < 12; attempt++) {
      res = await fetch(`${base}/fhir`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${token}` },
        body,
      });
      if (res.status !== 503) break;
      await res.arrayBuffer();
      const wait = Math.min(Number(res.headers.get('retry-after')) || 1, 10);
      await new Promise((r) => setTimeout(r, wait * 1000));
    }
    out.push(`  ${f}: HTTP ${res?.status}`);
  }
  for (let i = 0; i < 600 && !(await drained(rt)); i++) await new Promise((r) => setTimeout(r, 100));
  out.push('');
  const patients: string[] = [];
  let example: string | undefined; // a patient with flags, for the curl line
  for await (const p of rt.store.patients()) patients.push(p);
  for (const patient of patients.sort()) {
    const outputs = [...(await rt.store.currentOutputs(patient)).values()].map((o) => o.resource);
    const courses = outputs.filter(
      (r): r is MedicationStatement =>
        r.resourceType === 'MedicationStatement' && r.status !== 'entered-in-error',
    );
    const flags = outputs.filter(
      (r): r is DetectedIssue => r.resourceType === 'DetectedIssue' && r.status !== 'entered-in-error',
    );
    out.push(`  Patient/${patient}: ${courses.length} course(s), ${flags.length} flag(s)`);
    if (flags.length) example ??= patient;
    for (const c of courses.sort((a, b) => String(a.id).localeCompare(String(b.id)))) {
      const period = c.effectivePeriod;
      out.push(
        `    MedicationStatement/${c.id}  ${period?.start?.slice(0, 10) ?? '?'} → ${period?.end?.slice(0, 10) ?? 'ongoing'}  ${c.status}`,
      );
      const own = flags
        .filter((f) => (f.implicated ?? []).some((i) => i.reference === `MedicationStatement/${c.id}`))
        .map(
          (f) =>
            `${f.code?.coding?.[0]?.code ?? '?'}${f.severity ? ` (${f.severity})` : ''}${f.identifiedDateTime ? ` identified ${f.identifiedDateTime.slice(0, 10)}` : ''}`,
        )
        .sort();
      for (const f of own) out.push(`      flag ${f}`);
    }
  }
  process.stdout.write(
    `\nbitebridge: sample data loaded from ${files.length} bundle(s)\n${out.join('\n')}\n\n` +
      `Try:  TOKEN=$(node -p "require('${isAbsolute(rt.cfg.localTokenFile) ? '' : './'}${rt.cfg.localTokenFile}')[0].token")\n` +
      `      curl -H "Authorization: Bearer $TOKEN" '${base}/fhir/Patient/${example ?? 'local.pt-s000'}/DetectedIssue?_include=DetectedIssue:implicated'\n` +
      `Dashboard: ${base}/admin/queues (user: anything, password: the token)   Metrics: ${base}/metrics\n` +
      `Pages: ${base}/ui/cohort and ${base}/ui/patients/${patients[0] ?? '<patient>'} (sign in once with the token)\n\n`,
  );
}
