import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { loadConfig, parseConfig } from './load.js';

/** A fresh directory holding `files`, used as cwd so no real ./corral.yaml leaks into a test. */
function tempDir(files: Readonly<Record<string, string>> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'corral-config-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const DEFAULTS = {
  server: { host: '127.0.0.1', port: 11435, bodyLimitBytes: 32 * 1024 * 1024, keepAliveMs: 15000 },
  backends: [
    {
      name: 'local',
      url: 'http://127.0.0.1:11434',
      type: 'ollama',
      weight: 1,
      maxParallel: 1,
      maxLoadedModels: 3,
      timeouts: { connectMs: 5000, firstByteMs: 300_000, idleMs: 300_000 },
    },
  ],
  fleet: { refreshMs: 5000, checkTimeoutMs: 2000, failureThreshold: 3, cooldownMs: 10000 },
  fallback: {
    enabled: false,
    name: 'anthropic',
    maxWaitMs: 30000,
    models: {},
    tenants: [],
    prices: {},
    defaultMaxTokens: 4096,
    maxRetries: 1,
    timeoutMs: 600000,
  },
  scheduler: {
    maxQueued: 1024,
    maxQueuedPerModel: 512,
    maxQueueWaitMs: 0,
    retryAfterMs: 5000,
    policy: 'fair',
    priorities: ['interactive', 'default', 'batch'],
    defaultPriority: 'default',
    agingMs: 30000,
    tenantDefaults: { weight: 1 },
    tenants: {},
  },
  logging: { level: 'info', logPrompts: false },
  auth: { mode: 'open' },
  store: { kind: 'sqlite', path: './data/corral.db', synchronous: 'normal' },
  usage: { audit: false },
};

describe('loadConfig', () => {
  it('gives every default with no file, env or flags', () => {
    expect(loadConfig({ cwd: tempDir(), env: {} })).toEqual(DEFAULTS);
  });

  it('treats an empty file like no file', () => {
    expect(loadConfig({ cwd: tempDir({ 'corral.yaml': '# nothing yet\n' }), env: {} })).toEqual(DEFAULTS);
  });

  it('treats a key with no value, such as a section whose lines are commented out, as unset', () => {
    const cwd = tempDir({ 'corral.yaml': 'server:\n  # port: 8080\nlogging:\n  level:\n' });
    expect(loadConfig({ cwd, env: {} })).toEqual(DEFAULTS);
  });

  it('reads ./corral.yaml from cwd when no file is named', () => {
    const cwd = tempDir({ 'corral.yaml': 'server:\n  port: 9000\n' });
    expect(loadConfig({ cwd, env: {} }).server.port).toBe(9000);
  });

  it('reads the file named by `file`, relative to cwd, over ./corral.yaml', () => {
    const cwd = tempDir({
      'corral.yaml': 'server:\n  port: 9000\n',
      'other.yaml': 'server:\n  port: 9001\n',
    });
    expect(loadConfig({ cwd, env: {}, file: 'other.yaml' }).server.port).toBe(9001);
  });

  it('reads the file named by CORRAL_CONFIG, and `file` wins over it', () => {
    const cwd = tempDir({ 'a.yaml': 'server:\n  port: 9002\n', 'b.yaml': 'server:\n  port: 9003\n' });
    expect(loadConfig({ cwd, env: { CORRAL_CONFIG: 'a.yaml' } }).server.port).toBe(9002);
    expect(loadConfig({ cwd, env: { CORRAL_CONFIG: 'a.yaml' }, file: 'b.yaml' }).server.port).toBe(9003);
  });

  it('applies defaults inside a partly written section and backend', () => {
    const cwd = tempDir({ 'corral.yaml': 'backends:\n  - name: gpu\n    url: http://gpu:11434/\n' });
    const config = loadConfig({ cwd, env: {} });
    expect(config.backends).toEqual([{ ...DEFAULTS.backends[0], name: 'gpu', url: 'http://gpu:11434' }]);
    expect(config.server).toEqual(DEFAULTS.server);
  });

  it('layers file < env < flags, key by key', () => {
    const cwd = tempDir({
      'corral.yaml':
        'server:\n  host: 10.0.0.1\n  port: 9000\n  bodyLimitBytes: 1000\nlogging:\n  level: warn\n',
    });
    const config = loadConfig({
      cwd,
      env: { CORRAL_SERVER__PORT: '9100', CORRAL_SERVER__HOST: '10.0.0.2', CORRAL_LOGGING__LEVEL: 'debug' },
      flags: { port: '9200', logLevel: 'trace' },
    });
    expect(config.server).toEqual({ host: '10.0.0.2', port: 9200, bodyLimitBytes: 1000, keepAliveMs: 15000 });
    expect(config.logging.level).toBe('trace');
  });

  it('lets a flag override only its own key', () => {
    const config = loadConfig({ cwd: tempDir(), env: {}, flags: { host: '0.0.0.0', port: 8080 } });
    expect(config.server).toEqual({ ...DEFAULTS.server, host: '0.0.0.0', port: 8080 });
  });

  it('ignores flags left undefined by the CLI', () => {
    const flags = { host: undefined, port: undefined, ollama: [], logLevel: undefined };
    expect(loadConfig({ cwd: tempDir(), env: {}, flags })).toEqual(DEFAULTS);
  });

  it('makes one backend per repeated --ollama, named host:port, replacing the file backends', () => {
    const cwd = tempDir({
      'corral.yaml': 'backends:\n  - name: file-host\n    url: http://file:11434\n    maxParallel: 4\n',
    });
    const config = loadConfig({
      cwd,
      env: {},
      flags: { ollama: ['http://a:11434', 'https://b', 'gpu3:8080'] },
    });
    expect(config.backends.map(({ name, url, maxParallel }) => ({ name, url, maxParallel }))).toEqual([
      { name: 'a:11434', url: 'http://a:11434', maxParallel: 1 },
      { name: 'b:443', url: 'https://b', maxParallel: 1 },
      { name: 'gpu3:8080', url: 'http://gpu3:8080', maxParallel: 1 },
    ]);
  });

  it('lets --ollama win over CORRAL_BACKENDS and CORRAL_OLLAMA', () => {
    const env = { CORRAL_OLLAMA: 'http://env:11434' };
    const config = loadConfig({ cwd: tempDir(), env, flags: { ollama: ['http://flag:11434'] } });
    expect(config.backends.map((b) => b.name)).toEqual(['flag:11434']);
  });

  it('returns a deeply frozen config', () => {
    const config = loadConfig({ cwd: tempDir(), env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(Object.isFrozen(config.backends)).toBe(true);
    expect(Object.isFrozen(config.backends[0])).toBe(true);
    expect(Object.isFrozen(config.backends[0]?.timeouts)).toBe(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('does not read a corral.yaml from a parent or another directory', () => {
    const parent = tempDir({ 'corral.yaml': 'server:\n  port: 9000\n' });
    const child = join(parent, 'child');
    mkdirSync(child);
    expect(loadConfig({ cwd: child, env: {} }).server.port).toBe(11435);
  });
});

describe('parseConfig', () => {
  it('validates an in-memory object with the same defaults and messages', () => {
    expect(parseConfig({})).toEqual(DEFAULTS);
    expect(() => parseConfig({ server: { port: 'x' } }, 'test fixture')).toThrow(
      'server.port (test fixture): expected a port number 0-65535, got "x"',
    );
  });

  it('rejects a value that is not a mapping', () => {
    expect(() => parseConfig('port: 1')).toThrow(ConfigError);
  });
});
