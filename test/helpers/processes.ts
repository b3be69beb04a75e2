/**
 * bitebridge as real child processes (API and/or workers), for crash tests: each can be SIGKILLed,
 * SIGSTOPped and replaced. They share the test's Redis URL and key prefix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort } from '../../src/ops/embedded-redis';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export const CHILD_TOKEN = 'token-crash-ingest-read-0001';
export const CHILD_TOKENS = JSON.stringify([
  { token: CHILD_TOKEN, source: 'hospa', scopes: ['ingest', 'read', 'admin'] },
]);

/** `nodeFlags`: node options before the entry (what the start scripts put there, src/v8-flags.ts). */
export function spawnBitebridge(
  args: string[],
  env: Record<string, string>,
  nodeFlags: readonly string[] = [],
): ChildProcess {
  return spawn(
    process.execPath,
    [...nodeFlags, '-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts'), ...args],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        REDIS_EMBEDDED: 'never',
        PORT: '0',
        LOG_LEVEL: 'warn',
        BITEBRIDGE_TOKENS: CHILD_TOKENS,
        WORKER_PROCESSES: '0',
        // no load shedding in test processes: a loaded CI machine would turn answers into 503 at random
        MAX_EVENT_LOOP_DELAY_MS: '0',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

/**
 * bitebridge on a free loopback port, once its API answers /healthz: the process and its base URL.
 * A process that does not come up in `timeoutMs` is killed.
 */
export async function spawnListening(
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
  nodeFlags: readonly string[] = [],
): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = spawnBitebridge(args, { ...env, PORT: String(port) }, nodeFlags);
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor('the API to listen', async () => (await fetch(`${base}/healthz`)).ok, timeoutMs);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { child, base };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false | null>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await fn().catch(() => undefined);
    if (v) return v as T;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** POST a Bundle body to a child's /fhir with `Prefer: respond-async`: the status and Content-Location. */
export async function postAsync(base: string, body: string): Promise<{ status: number; location: string }> {
  const res = await fetch(`${base}/fhir`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${CHILD_TOKEN}`,
      'content-type': 'application/fhir+json',
      prefer: 'respond-async',
    },
    body,
  });
  await res.arrayBuffer();
  return { status: res.status, location: res.headers.get('content-location') ?? '' };
}

/** SIGTERM to a child still running (its graceful stop), then its exit; none (a failed start): nothing. */
export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await exited(child);
}

/** Child processes of `pid` (Linux /proc): the worker processes `npm start` forked. */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
