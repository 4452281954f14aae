import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coerceEnvValue } from './env.js';
import { loadConfig } from './load.js';
import { ConfigSchema } from './schema.js';
import { listEnvSettings } from './schema-walk.js';

const cwd = mkdtempSync(join(tmpdir(), 'corral-env-'));
const load = (env: Record<string, string | undefined>) => loadConfig({ cwd, env });

describe('env mapping', () => {
  it('names every key CORRAL_ + SCREAMING_SNAKE path joined by __', () => {
    const names = listEnvSettings(ConfigSchema).map((setting) => setting.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'CORRAL_SERVER',
        'CORRAL_SERVER__HOST',
        'CORRAL_SERVER__PORT',
        'CORRAL_SERVER__BODY_LIMIT_BYTES',
        'CORRAL_BACKENDS',
        'CORRAL_SCHEDULER__MAX_QUEUED',
        'CORRAL_SCHEDULER__MAX_QUEUED_PER_MODEL',
        'CORRAL_SCHEDULER__MAX_QUEUE_WAIT_MS',
        'CORRAL_SCHEDULER__RETRY_AFTER_MS',
        'CORRAL_LOGGING__LEVEL',
        'CORRAL_LOGGING__LOG_PROMPTS',
      ]),
    );
  });

  it.each([
    ['CORRAL_SERVER__PORT', '8080', (c: ReturnType<typeof load>) => c.server.port, 8080],
    ['CORRAL_SERVER__HOST', ' 0.0.0.0 ', (c: ReturnType<typeof load>) => c.server.host, '0.0.0.0'],
    [
      'CORRAL_SERVER__BODY_LIMIT_BYTES',
      '1e6',
      (c: ReturnType<typeof load>) => c.server.bodyLimitBytes,
      1_000_000,
    ],
    [
      'CORRAL_SCHEDULER__MAX_QUEUE_WAIT_MS',
      '30000',
      (c: ReturnType<typeof load>) => c.scheduler.maxQueueWaitMs,
      30_000,
    ],
    ['CORRAL_LOGGING__LEVEL', 'debug', (c: ReturnType<typeof load>) => c.logging.level, 'debug'],
    ['CORRAL_LOGGING__LOG_PROMPTS', 'true', (c: ReturnType<typeof load>) => c.logging.logPrompts, true],
    ['CORRAL_LOGGING__LOG_PROMPTS', 'YES', (c: ReturnType<typeof load>) => c.logging.logPrompts, true],
    ['CORRAL_LOGGING__LOG_PROMPTS', '0', (c: ReturnType<typeof load>) => c.logging.logPrompts, false],
  ])('coerces %s=%j by the schema type', (name, value, pick, expected) => {
    expect(pick(load({ [name]: value }))).toEqual(expected);
  });

  it('takes JSON for a list: CORRAL_BACKENDS', () => {
    const config = load({
      CORRAL_BACKENDS: JSON.stringify([
        { name: 'a', url: 'http://a:11434', maxParallel: 'auto' },
        { name: 'b', url: 'http://b:11434', weight: 2, timeouts: { idleMs: 0 } },
      ]),
    });
    expect(config.backends.map((b) => [b.name, b.maxParallel, b.weight, b.timeouts.idleMs])).toEqual([
      ['a', 'auto', 1, 300_000],
      ['b', 1, 2, 0],
    ]);
  });

  it('takes JSON for a section, refined by its per-key variables', () => {
    const config = load({ CORRAL_SERVER__PORT: '9001', CORRAL_SERVER: '{"port": 9000, "host": "::"}' });
    expect(config.server).toMatchObject({ port: 9001, host: '::' });
  });

  it('treats CORRAL_OLLAMA as repeated --ollama (commas or spaces)', () => {
    const config = load({ CORRAL_OLLAMA: 'http://a:11434, http://b:11434 c:11434' });
    expect(config.backends.map((b) => [b.name, b.url])).toEqual([
      ['a:11434', 'http://a:11434'],
      ['b:11434', 'http://b:11434'],
      ['c:11434', 'http://c:11434'],
    ]);
  });

  it('treats an empty variable as unset', () => {
    expect(load({ CORRAL_SERVER__PORT: '', CORRAL_OLLAMA: ' ', CORRAL_CONFIG: '' }).server.port).toBe(11435);
  });

  it('ignores variables without the CORRAL_ prefix', () => {
    expect(load({ PORT: '1', OLLAMA_HOST: 'x', CORRALX: 'y' }).server.port).toBe(11435);
  });
});

describe('coerceEnvValue', () => {
  it.each([
    ['42', 'number', 42],
    ['-1.5', 'number', -1.5],
    ['4O96', 'number', '4O96'], // left as text for validation to report
    ['auto', 'number-or-string', 'auto'],
    ['4', 'number-or-string', 4],
    ['off', 'boolean', false],
    ['maybe', 'boolean', 'maybe'],
    ['[1]', 'json', [1]],
  ] as const)('%j as %s → %j', (raw, kind, expected) => {
    expect(coerceEnvValue(raw, kind)).toEqual({ ok: true, value: expected });
  });

  it('reports JSON that does not parse', () => {
    expect(coerceEnvValue('[{', 'json')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^expected JSON/),
    });
  });
});
