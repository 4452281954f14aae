import { pino } from 'pino';
import type { Logger } from 'pino';

/**
 * The root logger: JSON lines on stdout. Credentials are redacted wherever they might appear, and
 * prompts are never logged by the gateway unless `logging.logPrompts` is on.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers["api-key"]',
        'headers.authorization',
        'headers["x-api-key"]',
        'headers["api-key"]',
      ],
      censor: '[redacted]',
    },
  });
}
