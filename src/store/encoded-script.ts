/**
 * A Lua script called with thousands of arguments (the apply call: 12 per entry), its request encoded
 * here into one buffer. ioredis writes a request as one string built by appending `$<length>\r\n<arg>\r\n`
 * per argument, which the socket then flattens and encodes again: in the bench's steady state that was
 * ~8 % of a worker process's CPU (`writeUtf8String` under the apply call), and a scratch loop over
 * Synthea-shaped payloads wrote the same requests to a socket in ~3 µs per entry instead of ~6.
 *
 * The script runs by EVALSHA. A server that does not hold it (restarted, `SCRIPT FLUSH`) answers
 * NOSCRIPT without running anything, and the same request is then sent as EVAL, which loads it.
 */
import { createHash } from 'node:crypto';
import { Command, type Redis } from 'ioredis';

/** A command whose request bytes are already encoded (RESP); its reply is read as UTF-8 text. */
class EncodedCommand extends Command {
  constructor(
    name: string,
    private readonly request: Buffer,
  ) {
    super(name, [], { replyEncoding: 'utf8' });
  }

  override toWritable(): Buffer {
    return this.request;
  }
}

/**
 * The RESP request (an array of bulk strings) of `parts`' strings, in order, written into a buffer
 * from `alloc` (at least the size asked for); the request is the returned part of it.
 */
export function encodeRequest(
  parts: ReadonlyArray<readonly string[]>,
  alloc: (size: number) => Buffer = Buffer.allocUnsafe,
): Buffer {
  const lengths: number[] = [];
  let size = 0;
  for (const list of parts) {
    for (const arg of list) {
      const n = Buffer.byteLength(arg);
      lengths.push(n);
      size += n + String(n).length + 5; // $<n>\r\n<arg>\r\n
    }
  }
  const head = `*${lengths.length}\r\n`;
  const out = alloc(head.length + size);
  let at = out.write(head, 0, 'latin1');
  let i = 0;
  for (const list of parts) {
    for (const arg of list) {
      at += out.write(`$${lengths[i++]}\r\n`, at, 'latin1');
      at += out.write(arg, at, 'utf8');
      out[at++] = 13;
      out[at++] = 10;
    }
  }
  return out.subarray(0, at);
}

/**
 * Request buffers kept for the next calls, so that a payload's request (a few hundred kB, outside V8's
 * heap) does not take new memory each time (not measured apart from the encoding). A buffer is given
 * back only once its command was answered: Redis has then read every byte of it, and ioredis no longer
 * holds the command to send again after a reconnect.
 */
class RequestBuffers {
  private readonly free: Buffer[] = [];

  constructor(
    private readonly keep: number,
    private readonly largest: number,
  ) {}

  take(size: number): Buffer {
    const i = this.free.findIndex((b) => b.length >= size);
    if (i >= 0) return this.free.splice(i, 1)[0];
    return Buffer.allocUnsafeSlow(Math.max(size, 64 * 1024));
  }

  give(buffer: Buffer): void {
    if (this.free.length < this.keep && buffer.length <= this.largest) this.free.push(buffer);
  }
}

export class EncodedScript {
  readonly sha: string;
  /** As many as the payloads a worker process applies at once (INGEST_CONCURRENCY, 4) need. */
  private readonly buffers = new RequestBuffers(4, 4 * 1024 * 1024);

  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /** The script's reply (text) for `keys` and `argv`. */
  async run(redis: Redis, keys: readonly string[], argv: readonly string[]): Promise<string> {
    const send = async (name: string, script: string): Promise<string> => {
      let whole: Buffer | undefined;
      const request = encodeRequest([[name, script, String(keys.length)], keys, argv], (size) => {
        whole = this.buffers.take(size);
        return whole;
      });
      const reply = (await redis.sendCommand(new EncodedCommand(name, request))) as string;
      if (whole) this.buffers.give(whole); // not after an error: the socket may still hold it
      return reply;
    };
    try {
      return await send('evalsha', this.sha);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return send('eval', this.lua);
    }
  }
}
