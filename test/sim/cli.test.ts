// `corral sim` (DESIGN.md §4): flags map to emulator options and the command serves Ollama's API.
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { registerSimCommand, simOptionsFromFlags } from '../../src/cli/sim-command.js';
import type { StartedSim } from '../../src/cli/sim-command.js';

describe('corral sim', () => {
  it('maps flags to options', () => {
    expect(
      simOptionsFromFlags({
        host: '0.0.0.0',
        port: 1,
        models: 'a, b,',
        maxLoaded: 2,
        keepAlive: '-1',
        modelLoadMs: 'qwen3:8b=4000, a=0',
      }),
    ).toMatchObject({
      host: '0.0.0.0',
      port: 1,
      models: ['a', 'b'],
      maxLoadedModels: 2,
      keepAlive: '-1',
      loadMsByModel: { 'qwen3:8b': 4000, a: 0 },
    });
    expect(() => simOptionsFromFlags({ host: 'h', port: 0, modelLoadMs: 'qwen3:8b' })).toThrow('name=ms');
  });

  it('starts the emulator from flags and stops cleanly', async () => {
    const program = new Command().exitOverride();
    let started: StartedSim | undefined;
    registerSimCommand(program, (s) => (started = s));
    const out: string[] = [];
    const spy = vi
      .spyOn(console, 'log')
      .mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    try {
      await program.parseAsync(
        [
          'sim',
          '--port',
          '0',
          '--tps',
          '0',
          '--load-ms',
          '0',
          '--models',
          'llama3.2,all-minilm',
          '--parallel',
          '2',
        ],
        { from: 'user' },
      );
    } finally {
      spy.mockRestore();
    }
    if (!started) throw new Error('sim did not start');
    expect(out[0]).toContain(started.emulator.url);
    const tags = (await (await fetch(`${started.emulator.url}/api/tags`)).json()) as {
      models: Array<{ name: string }>;
    };
    expect(tags.models.map((m) => m.name)).toEqual(['llama3.2:latest', 'all-minilm:latest']);
    await started.stop();
  });

  it('rejects a bad number', async () => {
    const program = new Command().exitOverride();
    program.configureOutput({ writeErr: () => undefined });
    registerSimCommand(program);
    await expect(program.parseAsync(['sim', '--tps', 'fast'], { from: 'user' })).rejects.toThrow(
      '--tps must be a number',
    );
  });
});
