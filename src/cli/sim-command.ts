import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { createEmulator } from '../sim/index.js';
import type { Emulator, EmulatorOptions } from '../sim/index.js';

/** `corral sim` — the Ollama emulator (DESIGN.md §4, docs/sim.md). */

function numberArg(name: string, min = 0): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min) {
      throw new InvalidArgumentError(`${name} must be a number >= ${min}`);
    }
    return n;
  };
}

interface SimFlags {
  host: string;
  port: number;
  models?: string;
  parallel?: number;
  tps?: number;
  promptTps?: number;
  loadMs?: number;
  modelLoadMs?: string;
  maxLoaded?: number;
  maxQueue?: number;
  keepAlive?: string;
  slowdown?: number;
  seed?: number;
  contextLength?: number;
  version?: string;
  checkHost?: boolean;
}

/** `qwen3:8b=4000,llava:7b=3000` → per-model load times. */
function parseModelLoadMs(list: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const at = item.lastIndexOf('=');
    const ms = Number(item.slice(at + 1));
    if (at <= 0 || !Number.isFinite(ms) || ms < 0)
      throw new InvalidArgumentError(`--model-load-ms expects name=ms pairs, got "${item}"`);
    out[item.slice(0, at)] = ms;
  }
  return out;
}

/** Flag values → emulator options (same names as the in-process options). */
export function simOptionsFromFlags(f: SimFlags): EmulatorOptions {
  return {
    host: f.host,
    port: f.port,
    models: f.models
      ? f.models
          .split(',')
          .map((m) => m.trim())
          .filter((m) => m !== '')
      : undefined,
    parallel: f.parallel,
    tps: f.tps,
    promptTps: f.promptTps,
    loadMs: f.loadMs,
    loadMsByModel: f.modelLoadMs ? parseModelLoadMs(f.modelLoadMs) : undefined,
    maxLoadedModels: f.maxLoaded,
    maxQueue: f.maxQueue,
    keepAlive: f.keepAlive,
    slowdown: f.slowdown,
    seed: f.seed,
    contextLength: f.contextLength,
    version: f.version,
    checkHost: f.checkHost,
  };
}

/** What a test gets back from a started `corral sim`: the emulator and a way to stop it like a signal would. */
export interface StartedSim {
  emulator: Emulator;
  stop: () => Promise<void>;
}

export function registerSimCommand(program: Command, onStarted?: (started: StartedSim) => void): void {
  program
    .command('sim')
    .description('run the Ollama emulator (see docs/sim.md)')
    .option('--host <host>', 'bind address', '127.0.0.1')
    .option('--port <port>', 'port (0 = ephemeral)', numberArg('--port'), 11434)
    .option(
      '--models <list>',
      'comma-separated model names (default: llama3.2:latest,qwen3:8b,llava:7b,all-minilm:latest)',
    )
    .option('--parallel <n>', 'slots per model (OLLAMA_NUM_PARALLEL)', numberArg('--parallel', 1))
    .option('--tps <n>', 'output tokens/s per slot, 0 = instant (default 40)', numberArg('--tps'))
    .option('--prompt-tps <n>', 'prompt tokens/s, 0 = instant (default 0)', numberArg('--prompt-tps'))
    .option('--load-ms <ms>', 'model load time (default 1500)', numberArg('--load-ms'))
    .option('--model-load-ms <list>', 'per-model load times, e.g. qwen3:8b=4000,llava:7b=3000')
    .option('--max-loaded <n>', 'OLLAMA_MAX_LOADED_MODELS (default 3)', numberArg('--max-loaded', 1))
    .option(
      '--max-queue <n>',
      'OLLAMA_MAX_QUEUE, pending-load queue capacity (default 512)',
      numberArg('--max-queue'),
    )
    .option('--keep-alive <duration>', 'OLLAMA_KEEP_ALIVE, e.g. 5m, 30s, -1 (default 5m)')
    .option(
      '--slowdown <k>',
      'per-slot rate = tps / (1 + k × (busy slots − 1)) (default 0.3)',
      numberArg('--slowdown'),
    )
    .option('--seed <n>', 'seed mixed into generated text (default 0)', numberArg('--seed'))
    .option('--context-length <n>', 'default num_ctx (default 4096)', numberArg('--context-length', 4))
    .option('--version <v>', 'version reported by /api/version')
    .option('--check-host', 'refuse non-local Host headers with 403 when bound to loopback, as Ollama does')
    .action(async (flags: SimFlags) => {
      const emulator = await createEmulator(simOptionsFromFlags(flags));
      console.log(`corral sim: Ollama emulator listening on ${emulator.url}`);
      const shutdown = (): Promise<void> => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        return emulator.close();
      };
      const onSignal = (signal: NodeJS.Signals): void => {
        console.log(`corral sim: ${signal}, shutting down`);
        void shutdown().then(() => process.exit(0));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      onStarted?.({ emulator, stop: shutdown });
    });
}
