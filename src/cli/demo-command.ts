import type { Command } from 'commander';
import type { Logger } from 'pino';
import { isConfigError, parseConfig } from '../config/index.js';
import { createEmulator } from '../sim/index.js';
import type { Emulator } from '../sim/index.js';
import { createLogger } from './logger.js';
import { startGateway, stopOnSignals } from './serve-command.js';

interface DemoFlags {
  host: string;
  port: string;
  hosts: string;
  tps: string;
  traffic: boolean;
  cloud: boolean;
  logLevel: string;
}

/** The demo's stand-in for Anthropic's cloud, and who may overflow to it. */
const CLOUD_MODEL = 'claude-haiku-4-5';
const CLOUD_USERS = ['user:fay', 'user:you'];

/**
 * `corral demo` — the gateway in front of emulated Ollama hosts, with a little simulated traffic,
 * so anyone can watch queueing work without a GPU (DESIGN.md §4).
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the gateway with emulated Ollama hosts and some simulated users')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('-p, --port <port>', 'gateway port', '11435')
    .option('--hosts <n>', 'number of emulated Ollama hosts', '2')
    .option('--tps <n>', 'emulated output tokens per second', '40')
    .option('--no-traffic', 'do not simulate users')
    .option('--no-cloud', 'no emulated cloud fallback')
    .option('--log-level <level>', 'gateway log level', 'warn')
    .action(async (flags: DemoFlags) => {
      const hostCount = Math.max(1, Number.parseInt(flags.hosts, 10) || 1);
      const emulators: Emulator[] = [];
      for (let i = 0; i < hostCount; i++) {
        emulators.push(await createEmulator({ tps: Number(flags.tps), loadMs: 800, seed: i }));
      }
      // A third emulator speaks Anthropic's Messages API as the cloud: two users may overflow to
      // it when their wait would pass 6 s, and a model no host has (claude-haiku-4-5) is served there.
      const cloud = flags.cloud
        ? await createEmulator({ tps: Number(flags.tps) * 2, loadMs: 0, models: [CLOUD_MODEL], seed: 99 })
        : undefined;
      let config;
      try {
        config = parseConfig(
          {
            server: { host: flags.host, port: Number(flags.port) },
            backends: emulators.map((e, i) => ({ name: `sim-${i + 1}`, url: e.url, maxLoadedModels: 2 })),
            logging: { level: flags.logLevel },
            ...(cloud
              ? {
                  fallback: {
                    enabled: true,
                    baseUrl: cloud.url,
                    apiKey: 'demo',
                    maxWaitMs: 6_000,
                    models: { 'llama3.2': CLOUD_MODEL, [CLOUD_MODEL]: CLOUD_MODEL },
                    tenants: CLOUD_USERS,
                    prices: { [CLOUD_MODEL]: { inputPerMTok: 1, outputPerMTok: 5 } },
                  },
                }
              : {}),
          },
          'corral demo flags',
        );
      } catch (err) {
        if (isConfigError(err)) {
          console.error(err.message);
          process.exit(2);
        }
        throw err;
      }
      const log = createLogger(config.logging.level);
      const { corral, url: gatewayUrl } = await startGateway(config, log);
      printBanner(gatewayUrl, emulators, cloud);
      const stopTraffic = flags.traffic ? simulateUsers(gatewayUrl, log) : () => {};
      stopOnSignals(corral, log, async () => {
        stopTraffic();
        await Promise.all([...emulators, ...(cloud ? [cloud] : [])].map((e) => e.close()));
      });
    });
}

function printBanner(gatewayUrl: string, emulators: Emulator[], cloud: Emulator | undefined): void {
  const lines = [
    '',
    `Corral demo`,
    `  gateway            ${gatewayUrl}`,
    ...emulators.map((e, i) => `  emulated Ollama ${i + 1}  ${e.url}`),
    ...(cloud
      ? [`  emulated cloud     ${cloud.url}  (fallback for ${CLOUD_USERS.join(', ')} after 6 s)`]
      : []),
    '',
    'Try:',
    `  curl ${gatewayUrl}/api/tags`,
    `  curl ${gatewayUrl}/api/chat -d '{"model":"llama3.2","messages":[{"role":"user","content":"Hello"}]}'`,
    `  curl -N ${gatewayUrl}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"llama3.2","stream":true,"messages":[{"role":"user","content":"Hello"}]}'`,
    '      (while it waits: ": queue position N, eta Ts" lines, counting down)',
    `  curl ${gatewayUrl}/api/status      (routing: which host each request went to, and why)`,
    ...(cloud
      ? [
          `  curl -i ${gatewayUrl}/api/chat -H 'x-corral-user: you' -d '{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"Hello"}]}'`,
          '      (allowed to overflow: when the queue is long, x-corral-served-by says the cloud answered)',
        ]
      : []),
    `  curl ${gatewayUrl}/metrics`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  console.log(lines.join('\n'));
}

const USERS = ['ana', 'bo', 'chen', 'dara', 'eli', 'fay'];
const PROMPTS = [
  'Summarise our meeting notes',
  'Write a haiku about queues',
  'Explain fair scheduling',
  'Name three GPUs',
];

/**
 * Simulated traffic, so /api/status and a streamed request show a live queue: six people who each
 * send their next request as soon as the previous one is answered, and a batch job with three
 * workers at `batch` priority (the people go ahead of it; aging keeps it moving), and one person on
 * a second model, so routing places two models on two hosts. A newcomer waits
 * behind the people who were already waiting, fairly, and sees its position and ETA count down.
 */
function simulateUsers(gatewayUrl: string, log: Logger): () => void {
  const controller = new AbortController();
  const chat = (
    user: string,
    prompt: string,
    tokens: number,
    priority?: string,
    model = 'llama3.2',
  ): Promise<unknown> =>
    fetch(`${gatewayUrl}/api/chat`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-corral-user': user,
        ...(priority ? { 'x-corral-priority': priority } : {}),
      },
      body: JSON.stringify({
        model,
        stream: false,
        messages: [{ role: 'user', content: prompt }],
        options: { num_predict: tokens },
      }),
      signal: controller.signal,
    })
      .then((res) => res.arrayBuffer())
      .catch((err: unknown) => {
        if (!controller.signal.aborted) log.debug({ err }, 'demo traffic request failed');
      });
  const loop = async (
    user: string,
    prompt: string,
    tokens: number,
    priority?: string,
    model?: string,
  ): Promise<void> => {
    while (!controller.signal.aborted) await chat(user, prompt, tokens, priority, model);
  };
  USERS.forEach((user, i) => void loop(user, PROMPTS[i % PROMPTS.length] ?? 'Hello', 80));
  // A second model, so routing has to place two models on two hosts.
  void loop('gus', 'Review this diff', 60, undefined, 'qwen3:8b');
  for (let i = 0; i < 3; i++) void loop('nightly-batch', 'Summarise document', 120, 'batch');
  return () => controller.abort();
}
