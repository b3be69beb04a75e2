/**
 * A private redis-server on a free loopback port with a temporary directory: the fallback when no
 * Redis answers at start-up, and what the fault tests kill and restart (never the shared one).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

export class EmbeddedRedis {
  private child?: ChildProcess;
  readonly dir: string;
  constructor(
    readonly port: number,
    private readonly extraArgs: string[] = [],
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'bitebridge-redis-'));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(extraArgs: string[] = []): Promise<EmbeddedRedis> {
    const r = new EmbeddedRedis(await freePort(), extraArgs);
    await r.start();
    return r;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
        ...this.extraArgs,
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      if (await redisAnswers(this.url, 200)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`embedded redis-server did not start on port ${this.port}`);
  }

  /** SIGKILL, as a crash would. */
  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  async stop(removeDir = true): Promise<void> {
    const c = this.child;
    this.child = undefined;
    if (c && c.exitCode === null) {
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      });
    }
    if (removeDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
