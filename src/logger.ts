/**
 * Structured JSON logs (pino). Rule: ids and counts only — never names, birth dates, free text from
 * resources, or tokens. The redact list is a safety net for accidental object logging, not a licence.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

export function createLogger(
  level = process.env.LOG_LEVEL ?? 'info',
  name = 'bitebridge',
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { pid: process.pid },
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        'authorization',
        'token',
        '*.token',
        'resource',
        '*.resource',
        'body',
        '*.body',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
