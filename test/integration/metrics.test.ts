/**
 * /metrics: standard default metric names, Prometheus naming (no gauge ending in _total), optional
 * bearer auth (METRICS_TOKEN), per-source labels, and a separate listener (METRICS_PORT) that takes
 * /metrics off the API port.
 */
import { startMetricsListener } from '../../src/runtime';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';

const METRICS_TOKEN = 'metrics-scrape-token-0001';

/** `# TYPE name kind` lines of the exposition text. */
function types(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1], m[2]);
  return out;
}

describe('on the API port, with a token', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('metrics', { config: { metricsToken: METRICS_TOKEN } });
  }, 60_000);
  afterAll(async () => {
    await h.close();
  });

  test('without the metrics token: 401; with a data token: still 401', async () => {
    const anon = await h.request('GET', '/metrics');
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toContain('Bearer');
    expect((await h.request('GET', '/metrics', { token: TOKENS.admin })).status).toBe(401);
    expect((await h.request('GET', '/metrics', { token: `${METRICS_TOKEN}x` })).status).toBe(401);
  });

  test('default metrics keep their standard names and no gauge ends in _total', async () => {
    const res = await h.request('GET', '/metrics', { token: METRICS_TOKEN });
    expect(res.status).toBe(200);
    const t = types(String(res.body));
    expect(t.get('process_cpu_seconds_total')).toBe('counter');
    expect(t.get('process_resident_memory_bytes')).toBe('gauge');
    expect(t.get('nodejs_heap_size_used_bytes')).toBe('gauge');
    expect(t.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(t.get('nodejs_active_handles')).toBe('gauge');
    expect(
      [...t.keys()].filter((n) => n.startsWith('bitebridge_process') || n.startsWith('bitebridge_nodejs')),
    ).toEqual([]);
    const badGauges = [...t].filter(([name, kind]) => kind === 'gauge' && name.endsWith('_total'));
    expect(badGauges).toEqual([]);
    const badCounters = [...t].filter(([name, kind]) => kind === 'counter' && !name.endsWith('_total'));
    expect(badCounters).toEqual([]);
  });

  test('ingest and request counters carry the source (hospital), never ids', async () => {
    await h.request('PUT', '/fhir/Patient/src-a', {
      token: TOKENS.hospA,
      body: { resourceType: 'Patient', id: 'src-a' },
    });
    await h.request('PUT', '/fhir/Patient/src-b', {
      token: TOKENS.hospB,
      body: { resourceType: 'Patient', id: 'src-b' },
    });
    await h.request('GET', '/fhir/Patient/nope', { token: TOKENS.hospB });
    await h.idle();
    const text = String((await h.request('GET', '/metrics', { token: METRICS_TOKEN })).body);
    expect(text).toMatch(/bitebridge_ingest_entries_total\{source="hospa",outcome="created"\} 1/);
    expect(text).toMatch(/bitebridge_ingest_entries_total\{source="hospb",outcome="created"\} 1/);
    expect(text).toMatch(
      /bitebridge_mapped_resources_total\{source="hospb",resource_type="Patient",outcome="ignored"\} 1/,
    );
    expect(text).toMatch(/bitebridge_http_requests_total\{source="hospb",status_class="4xx"\} [1-9]/);
    expect(text).toMatch(/bitebridge_http_requests_total\{source="hospa",status_class="2xx"\} [1-9]/);
    expect(text).not.toContain('src-a');
    expect(text).not.toContain('src-b');
  });
});

describe('on a separate listener (METRICS_PORT)', () => {
  let h: Harness;
  let metricsBase: string;
  beforeAll(async () => {
    h = await startHarness('metrics-port', {
      workers: false,
      config: { metricsPort: 0, metricsHost: '127.0.0.1' },
    });
    await startMetricsListener(h.rt);
    const addr = h.rt.metricsServer!.server.address();
    metricsBase = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }, 60_000);
  afterAll(async () => {
    await h.close();
  });

  test('the API port no longer serves /metrics; the metrics port does, and only that', async () => {
    expect((await h.request('GET', '/metrics')).status).toBe(404);
    const res = await fetch(`${metricsBase}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('# TYPE bitebridge_queue_jobs gauge');
    expect((await fetch(`${metricsBase}/fhir/metadata`)).status).toBe(404);
    expect((await fetch(`${metricsBase}/admin/queues`)).status).toBe(404);
  });
});
