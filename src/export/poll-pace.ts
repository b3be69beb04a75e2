/**
 * Bulk status polling pace: a poll sooner than `minPollMs` after the previous one is answered 429
 * with a Retry-After that doubles with each consecutive early poll (up to 2 minutes); a poll at the
 * announced pace resets it. Kept in Redis per export, so every API process applies the same pace.
 */
import type { Redis } from 'ioredis';

const MAX_RETRY_AFTER_S = 120;

const PACE = `
local next = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
local delay = tonumber(redis.call('HGET', KEYS[1], 'delay') or ARGV[3])
local now = tonumber(ARGV[1])
local early = 0
if now < next then
  early = 1
  delay = math.min(delay * 2, tonumber(ARGV[4]))
  next = now + delay * 1000
else
  delay = tonumber(ARGV[3])
  next = now + tonumber(ARGV[2])
end
redis.call('HSET', KEYS[1], 'next', next, 'delay', delay)
redis.call('EXPIRE', KEYS[1], 86400)
return {early, delay}
`;

export function pollPace(
  redis: Redis,
  prefix: string,
  minPollMs: number,
): (id: string, nowMs: number) => Promise<{ tooFast: boolean; retryAfterSeconds: number }> {
  const base = Math.max(1, Math.ceil(minPollMs / 1000));
  return async (id, nowMs) => {
    if (minPollMs <= 0) return { tooFast: false, retryAfterSeconds: base };
    const [early, delay] = (await redis.eval(
      PACE,
      1,
      `${prefix}:export-poll:${id}`,
      String(nowMs),
      String(minPollMs),
      String(base),
      String(MAX_RETRY_AFTER_S),
    )) as [number, number];
    return { tooFast: early === 1, retryAfterSeconds: delay };
  };
}
