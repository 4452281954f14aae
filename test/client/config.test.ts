// createBridge from seed-shaped config: YAML file < local override < env, validation with the key
// named, and each provider answering for real (gateway and emulator on 127.0.0.1).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnthropicBridge,
  CorralBridge,
  OllamaBridge,
  createBridge,
  loadBridgeConfig,
} from '../../src/client/index.js';
import type { QueueNotice } from '../../src/client/index.js';
import { isCorralError } from '../../src/core/errors.js';
import { createEmulator } from '../../src/sim/index.js';
import { startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let dir: string;
let stack: Stack;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'corral-client-config-'));
  stack = await startStack();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await stack.close();
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadBridgeConfig', () => {
  it('reads the seed config, the local override over it, and env over both', () => {
    const file = write(
      'config.yml',
      'api:\n  provider: "anthropic"\n  model: "claude-3-sonnet-20240229"\n  ollama_url: "http://localhost:11434"\n  ollama_model: "qwen"\nother: 1\n',
    );
    const overrideFile = write(
      'config.local.yml',
      'api:\n  provider: "ollama"\n  ollama_url: "http://gpu1:11434"\n',
    );
    expect(loadBridgeConfig({ file })).toMatchObject({
      provider: 'anthropic',
      model: 'claude-3-sonnet-20240229',
      ollama_model: 'qwen',
    });
    expect(loadBridgeConfig({ file, overrideFile })).toMatchObject({
      provider: 'ollama',
      ollama_url: 'http://gpu1:11434',
      ollama_model: 'qwen',
    });
    const env = {
      API_PROVIDER: 'corral',
      API_CORRAL_URL: 'http://gw:11435',
      API_KEY: 'sk-1',
      API_MAX_TOKENS: '300',
      API_MODEL: '',
      API_OLLAMA_PARALLEL: '3',
      API_QUEUE_MAX_WAIT_MS: '90000',
    };
    expect(loadBridgeConfig({ file, overrideFile, env })).toMatchObject({
      provider: 'corral',
      corral_url: 'http://gw:11435',
      api_key: 'sk-1',
      max_tokens: 300,
      model: 'claude-3-sonnet-20240229',
      ollama_parallel: 3,
      queue_max_wait_ms: 90_000,
    });
    // A missing override is simply absent; defaults fill the rest.
    expect(loadBridgeConfig({ overrideFile: join(dir, 'none.yml') })).toMatchObject({
      provider: 'anthropic',
      corral_url: 'http://127.0.0.1:11435',
    });
  });

  it('names the bad key and where it came from', () => {
    const file = write('bad.yml', 'api:\n  provider: "openai"\n  olama_url: "x"\n');
    const err: unknown = (() => {
      try {
        return loadBridgeConfig({ file });
      } catch (e) {
        return e;
      }
    })();
    expect(isCorralError(err) && err.kind).toBe('invalid_request');
    expect((err as Error).message).toMatch(/api\.provider/);
    expect((err as Error).message).toContain('bad.yml');
    expect(() => loadBridgeConfig({ env: { API_OLLAMA_URL: 'not a url' } })).toThrow(
      /API_OLLAMA_URL.*api\.ollama_url/,
    );
    expect(() => loadBridgeConfig({ file: join(dir, 'missing.yml') })).toThrow(/cannot read config file/);
    expect(() => loadBridgeConfig({ env: { API_OLLAMA_PARALLEL: '0' } })).toThrow(/api\.ollama_parallel/);
    expect(() => createBridge({ api: { provider: 'ollama', queue_max_wait_ms: 'soon' } })).toThrow(
      /api\.queue_max_wait_ms/,
    );
  });
});

describe('createBridge', () => {
  it('selects the provider from config', () => {
    expect(createBridge({ api: { provider: 'anthropic', api_key: 'k' } })).toBeInstanceOf(AnthropicBridge);
    expect(createBridge({ api: { provider: 'ollama', ollama_model: 'qwen' } })).toMatchObject({
      provider: 'ollama',
      model: 'qwen',
    });
    expect(createBridge({ api: { provider: 'corral' } })).toBeInstanceOf(CorralBridge);
    expect(() => createBridge({ api: { provider: 'nope' } })).toThrow(/api\.provider/);
  });

  it('switching provider is a config change: the same call through a gateway and straight to Ollama', async () => {
    const messages = [{ role: 'user' as const, content: 'Hi [[sim:reply same answer]]' }];
    const viaGateway = createBridge(
      loadBridgeConfig({ env: { API_PROVIDER: 'corral', API_CORRAL_URL: stack.url } }),
    );
    const direct = createBridge(
      loadBridgeConfig({ env: { API_PROVIDER: 'ollama', API_OLLAMA_URL: stack.hosts[0]!.url } }),
    );
    expect(direct).toBeInstanceOf(OllamaBridge);
    const [a, b] = [await viaGateway.generateResponse(messages), await direct.generateResponse(messages)];
    expect(viaGateway.extractTextContent(a)).toBe('same answer');
    expect(direct.extractTextContent(b)).toBe('same answer');
    expect(direct.getQueueStats?.()).toMatchObject({ recentCompletions: 1 });
  });

  it('sizes the in-process Ollama queue from ollama_parallel and queue_max_wait_ms', async () => {
    const sim = await createEmulator({ tps: 0, loadMs: 0, parallel: 2 });
    try {
      const file = write(
        'queue.yml',
        `api:\n  provider: ollama\n  ollama_url: ${sim.url}\n  ollama_parallel: 2\n  queue_max_wait_ms: 150\n`,
      );
      const bridge = createBridge(loadBridgeConfig({ file }));
      let held = 0;
      const bothHeld = new Promise<void>((resolve) => {
        const off = sim.control.on('request_held', () => {
          if (++held < 2) return;
          off();
          resolve();
        });
      });
      // Two slots: both requests reach Ollama at once (with the default of one, the second would wait).
      const running = ['a', 'b'].map((label) =>
        bridge.generateResponse([
          { role: 'user', content: `[[sim:hold ${label}]] [[sim:reply done ${label}]]` },
        ]),
      );
      await bothHeld;
      expect(bridge.getQueueStats?.()).toMatchObject({ queueSize: 0, activeRequests: 2 });
      // A third waits in the queue, and gives up after queue_max_wait_ms (the default is to wait forever).
      const notices: QueueNotice[] = [];
      const err: unknown = await bridge
        .generateResponse([{ role: 'user', content: 'third' }], { onQueue: (n) => notices.push(n) })
        .catch((e: unknown) => e);
      expect(isCorralError(err) && err.kind).toBe('timeout');
      expect(notices[0]).toMatchObject({ position: 1, ahead: 0 });
      sim.control.releaseAll();
      const answers = await Promise.all(running);
      expect(answers.map((r) => bridge.extractTextContent(r))).toEqual(['done a', 'done b']);
      expect(bridge.getQueueStats?.()).toMatchObject({
        queueSize: 0,
        activeRequests: 0,
        recentCompletions: 2,
      });
    } finally {
      sim.control.releaseAll();
      await sim.close();
    }
  });
});
