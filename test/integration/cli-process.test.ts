/**
 * The CLI as a process: help without Redis, usage errors before any connection, and a wrong REDIS_URL
 * is an error exit (69), never a private Redis and a table of zeros.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function runCli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const NO_REDIS = async () => ({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });

test('--help and -h answer without Redis; every command has its own help', async () => {
  const env = await NO_REDIS();
  const top = await runCli(['--help'], env);
  expect(top.code).toBe(0);
  for (const c of ['export', 'registry-export', 'jobs', 'retry', 'rejects', 'summary'])
    expect(top.stdout).toContain(`  ${c} `);
  const sub = await runCli(['export', '-h'], env);
  expect(sub.code).toBe(0);
  expect(sub.stdout).toContain('usage: bitebridge-cli export --out DIR');
  expect(sub.stdout).toContain('--type-filter Type?query');
  const none = await runCli([], env);
  expect(none.code).toBe(64);
  expect(none.stderr).toContain('commands:');
}, 180_000);

test('usage errors exit 64 before connecting (Redis is not even reachable here)', async () => {
  const env = await NO_REDIS();
  const r = await runCli(['summary', '--bogus'], env);
  expect(r.code).toBe(64);
  expect(r.stderr).toContain("Unknown option '--bogus'");
  expect(r.stderr).not.toContain('Redis');
  const unknown = await runCli(['frobnicate'], env);
  expect(unknown.code).toBe(64);
  expect(unknown.stderr).toContain('unknown command "frobnicate"');
}, 180_000);

test('a wrong REDIS_URL is an error exit, not an embedded Redis', async () => {
  const env = await NO_REDIS();
  const r = await runCli(['summary', '--json'], env);
  expect(r.code).toBe(69);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain(`Redis does not answer at ${env.REDIS_URL}`);
  expect(r.stderr).toContain('never starts one');
}, 180_000);
