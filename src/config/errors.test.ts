import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigError } from './errors.js';
import { closestMatch, formatConfigIssue, isConfigError } from './errors.js';
import type { PartialConfigFromFlags } from './flags.js';
import { loadConfig } from './load.js';

interface Attempt {
  readonly yaml?: string;
  readonly env?: Record<string, string>;
  readonly flags?: PartialConfigFromFlags;
}

/** Loads with `yaml` as ./corral.yaml and returns the lines of the ConfigError it must throw. */
function problems({ yaml, env = {}, flags }: Attempt): string[] {
  const cwd = mkdtempSync(join(tmpdir(), 'corral-errors-'));
  if (yaml !== undefined) writeFileSync(join(cwd, 'corral.yaml'), yaml);
  try {
    loadConfig({ cwd, env, flags });
  } catch (error) {
    if (!isConfigError(error)) throw error;
    expect(error.message).toContain(error.issues.map((issue) => `  ${formatConfigIssue(issue)}`).join('\n'));
    return error.issues.map(formatConfigIssue);
  }
  throw new Error('expected a ConfigError');
}

describe('config error messages name the key, what was expected, and the source', () => {
  it.each<[string, Attempt, string[]]>([
    [
      'unknown key in the file, with a suggestion',
      { yaml: 'server:\n  prot: 8080\n' },
      [
        'server.prot (corral.yaml): unknown key; did you mean "port"? valid keys here: host, port, bodyLimitBytes, keepAliveMs',
      ],
    ],
    [
      'unknown section',
      { yaml: 'schedular: {}\n' },
      [
        'schedular (corral.yaml): unknown key; did you mean "scheduler"? valid keys here: server, backends, fleet, fallback, scheduler, logging, auth, store, usage',
      ],
    ],
    [
      'snake_case key',
      { yaml: 'scheduler:\n  max_queued: 5\n' },
      [
        'scheduler.max_queued (corral.yaml): unknown key; did you mean "maxQueued"? valid keys here: maxQueued, maxQueuedPerModel, maxQueueWaitMs, retryAfterMs, policy, priorities, defaultPriority, agingMs, tenantDefaults, tenants',
      ],
    ],
    [
      'unknown key inside a backend',
      { yaml: 'backends:\n  - name: a\n    url: http://a\n    parallel: 2\n' },
      [
        'backends[0].parallel (corral.yaml): unknown key; did you mean "maxParallel"? valid keys here: name, url, type, weight, maxParallel, maxLoadedModels, timeouts',
      ],
    ],
    [
      'wrong type',
      { yaml: 'server:\n  port: "8080"\n' },
      ['server.port (corral.yaml): expected a port number 0-65535, got "8080"'],
    ],
    [
      'out of range',
      { yaml: 'server:\n  port: 70000\n' },
      ['server.port (corral.yaml): expected a port number 0-65535, got 70000'],
    ],
    [
      'wrong section type',
      { yaml: 'logging: debug\n' },
      ['logging (corral.yaml): expected a mapping of keys to values, got "debug"'],
    ],
    [
      'bad enum value',
      { yaml: 'logging:\n  level: verbose\n' },
      [
        'logging.level (corral.yaml): expected "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent", got "verbose"',
      ],
    ],
    [
      'bad URL',
      { yaml: 'backends:\n  - name: a\n    url: ftp://x\n' },
      ['backends[0].url (corral.yaml): expected an http(s) URL, got "ftp://x"'],
    ],
    [
      'URL with a query',
      { yaml: 'backends:\n  - name: a\n    url: http://x/?a=1\n' },
      ['backends[0].url (corral.yaml): expected a base URL without ?query or #fragment, got "http://x/?a=1"'],
    ],
    [
      'missing URL',
      { yaml: 'backends:\n  - name: a\n' },
      ['backends[0].url (corral.yaml): expected an http(s) URL, got nothing'],
    ],
    [
      'maxParallel neither integer nor auto',
      { yaml: 'backends:\n  - name: a\n    url: http://a\n    maxParallel: 0\n' },
      ['backends[0].maxParallel (corral.yaml): expected a positive integer or "auto", got 0'],
    ],
    [
      'empty backend list',
      { yaml: 'backends: []\n' },
      [
        'backends (corral.yaml): expected at least one backend (remove the key to use http://127.0.0.1:11434)',
      ],
    ],
    [
      'duplicate backend name, reported with other mistakes in the list',
      { yaml: 'backends:\n  - { name: a, url: "http://a" }\n  - { name: a, url: "ftp://b" }\n' },
      [
        'backends[1].url (corral.yaml): expected an http(s) URL, got "ftp://b"',
        'backends[1].name (corral.yaml): duplicate backend name "a" (also backends[0].name); give each backend a unique name',
      ],
    ],
    [
      'duplicate host from repeated --ollama',
      { flags: { ollama: ['http://a:11434', 'a:11434'] } },
      [
        'backends[1].name (--ollama): duplicate backend name "a:11434" (also backends[0].name); give each backend a unique name',
      ],
    ],
    [
      'bad --ollama URL',
      { flags: { ollama: ['ftp://x'] } },
      ['backends[0].url (--ollama): expected an http(s) URL, got "ftp://x"'],
    ],
    [
      'bad --port',
      { flags: { port: 'abc' } },
      ['server.port (--port): expected a port number 0-65535, got "abc"'],
    ],
    [
      'bad --log-level',
      { flags: { logLevel: 'loud' } },
      [
        'logging.level (--log-level): expected "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent", got "loud"',
      ],
    ],
    [
      'unknown env var, with a suggestion',
      { env: { CORRAL_SERVER_PORT: '1' } },
      ['CORRAL_SERVER_PORT: unknown environment variable; did you mean CORRAL_SERVER__PORT?'],
    ],
    [
      'unknown env var, nothing close',
      { env: { CORRAL_FROBNICATE: '1' } },
      ['CORRAL_FROBNICATE: unknown environment variable; see docs/configuration.md for the list'],
    ],
    [
      'env value of the wrong type',
      { env: { CORRAL_SCHEDULER__MAX_QUEUE_WAIT_MS: '30s' } },
      [
        'scheduler.maxQueueWaitMs (CORRAL_SCHEDULER__MAX_QUEUE_WAIT_MS): expected a number of milliseconds >= 0 (0 = no limit), got "30s"',
      ],
    ],
    [
      'env boolean',
      { env: { CORRAL_LOGGING__LOG_PROMPTS: 'maybe' } },
      ['logging.logPrompts (CORRAL_LOGGING__LOG_PROMPTS): expected true or false, got "maybe"'],
    ],
    [
      'bad value inside env JSON',
      { env: { CORRAL_BACKENDS: '[{"name":"a","url":"ftp://x","extra":1}]' } },
      [
        'backends[0].url (CORRAL_BACKENDS): expected an http(s) URL, got "ftp://x"',
        'backends[0].extra (CORRAL_BACKENDS): unknown key; valid keys here: name, url, type, weight, maxParallel, maxLoadedModels, timeouts',
      ],
    ],
    [
      'env JSON that does not parse',
      { env: { CORRAL_BACKENDS: '[{"name":' } },
      ['backends (CORRAL_BACKENDS): expected JSON, got "[{\\"name\\":" (Unexpected end of JSON input)'],
    ],
    [
      'CORRAL_OLLAMA and CORRAL_BACKENDS together',
      { env: { CORRAL_OLLAMA: 'http://a', CORRAL_BACKENDS: '[]' } },
      [
        'CORRAL_OLLAMA: both CORRAL_OLLAMA and CORRAL_BACKENDS are set; keep one of them',
        'backends (CORRAL_BACKENDS): expected at least one backend (remove the key to use http://127.0.0.1:11434)',
      ],
    ],
    [
      'bad YAML, with line and column',
      { yaml: 'server:\n  port: 1\n  host: [a,\nlogging: {}\n' },
      [expect.stringMatching(/^corral\.yaml:4:1: invalid YAML: /) as unknown as string],
    ],
    [
      'a key set twice in YAML',
      { yaml: 'server:\n  port: 1\n  port: 2\n' },
      ['corral.yaml:3:3: invalid YAML: Map keys must be unique'],
    ],
    [
      'a __proto__ key stays an unknown key',
      { yaml: 'server:\n  __proto__: { port: 1 }\n' },
      [
        'server.__proto__ (corral.yaml): unknown key; valid keys here: host, port, bodyLimitBytes, keepAliveMs',
      ],
    ],
    [
      'a file that is not a mapping',
      { yaml: '- a\n- b\n' },
      ['corral.yaml: expected a mapping of sections (server:, backends:, …), got ["a","b"]'],
    ],
    [
      'a postgres store without a URL',
      { yaml: 'store:\n  kind: postgres\n' },
      [
        'store.url (corral.yaml): store.kind is "postgres" but store.url is not set; give a postgres:// URL or use kind "sqlite"',
      ],
    ],
  ])('%s', (_name, attempt, expected) => {
    expect(problems(attempt)).toEqual(expected);
  });

  it('blames each key on the layer that set it', () => {
    const lines = problems({
      yaml: 'server:\n  host: ""\n  port: 1\n',
      env: { CORRAL_SERVER__PORT: '-1' },
      flags: { host: 'a b' },
    });
    expect(lines).toEqual([
      'server.host (--host): expected a host name or IP address, such as "127.0.0.1" or "0.0.0.0", got "a b"',
      'server.port (CORRAL_SERVER__PORT): expected a port number 0-65535, got -1',
    ]);
  });

  it('lists every problem at once, headed by a count', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'corral-errors-'));
    writeFileSync(join(cwd, 'corral.yaml'), 'server:\n  prot: 1\nlogging:\n  level: loud\n');
    let caught: ConfigError | undefined;
    try {
      loadConfig({ cwd, env: { CORRAL_NOPE: '1' } });
    } catch (error) {
      if (isConfigError(error)) caught = error;
    }
    expect(caught?.message.split('\n')).toEqual([
      'invalid configuration (3 problems; see docs/configuration.md):',
      '  CORRAL_NOPE: unknown environment variable; see docs/configuration.md for the list',
      '  server.prot (corral.yaml): unknown key; did you mean "port"? valid keys here: host, port, bodyLimitBytes, keepAliveMs',
      '  logging.level (corral.yaml): expected "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent", got "loud"',
    ]);
  });

  it('says when a named file is missing, and who named it', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'corral-errors-'));
    expect(() => loadConfig({ cwd, env: {}, file: 'missing.yaml' })).toThrow(
      `missing.yaml: file not found: ${join(cwd, 'missing.yaml')}; check the path given by the config file option`,
    );
    expect(() => loadConfig({ cwd, env: { CORRAL_CONFIG: 'gone.yaml' } })).toThrow(
      'check the path given by CORRAL_CONFIG',
    );
  });
});

describe('closestMatch', () => {
  it.each([
    ['prot', ['host', 'port'], 'port'],
    ['body_limit_bytes', ['bodyLimitBytes'], 'bodyLimitBytes'],
    ['CORRAL_LOGGING__LEVLE', ['CORRAL_LOGGING__LEVEL', 'CORRAL_SERVER__PORT'], 'CORRAL_LOGGING__LEVEL'],
    ['parallel', ['name', 'maxParallel'], 'maxParallel'],
    ['zzz', ['host', 'port'], undefined],
  ])('%s → %s', (word, candidates, expected) => {
    expect(closestMatch(word, candidates)).toBe(expected);
  });
});
