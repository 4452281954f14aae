import type { Command } from 'commander';
import { isConfigError, loadConfig } from '../config/index.js';
import type { Config } from '../config/index.js';
import { createCorral } from '../server/compose.js';
import type { Corral } from '../server/compose.js';
import { limitHeapGrowth } from './heap-growth.js';
import { createLogger } from './logger.js';
import { packageVersion } from './package-version.js';
import type { Logger } from 'pino';

interface ServeFlags {
  config?: string;
  host?: string;
  port?: string;
  ollama?: string[];
  logLevel?: string;
}

/** `corral serve` — the gateway (DESIGN.md §4). Flags override the file; no file is needed. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the gateway')
    .option('-c, --config <file>', 'config file (default ./corral.yaml if present)')
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('-p, --port <port>', 'port to listen on (default 11435)')
    .option(
      '--ollama <url>',
      'an Ollama host; repeat for several (replaces configured backends)',
      collect,
      [],
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .action(async (flags: ServeFlags) => {
      const config = loadOrExit(flags);
      const log = createLogger(config.logging.level);
      limitHeapGrowth();
      const { corral } = await startGateway(config, log);
      stopOnSignals(corral, log);
    });
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function loadOrExit(flags: ServeFlags): Config {
  try {
    return loadConfig({
      file: flags.config,
      env: process.env,
      flags: { host: flags.host, port: flags.port, ollama: flags.ollama, logLevel: flags.logLevel },
    });
  } catch (err) {
    if (isConfigError(err)) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}

/** Builds and starts the gateway, then checks that its backends answer (warning, not failing). */
export async function startGateway(config: Config, log: Logger): Promise<{ corral: Corral; url: string }> {
  const corral = await createCorral(config, log, { version: packageVersion() });
  let url: string;
  try {
    url = await corral.listen();
    log.info({ url, backends: config.backends.map((b) => b.url) }, 'corral is listening');
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
    if (code === 'EADDRINUSE') {
      console.error(
        `corral: ${config.server.host}:${config.server.port} is already in use; pick another with --port`,
      );
      process.exit(1);
    }
    throw err;
  }
  void checkBackends(corral, log);
  return { corral, url };
}

async function checkBackends(corral: Corral, log: Logger): Promise<void> {
  for (const backend of corral.gateway.backends) {
    try {
      const version = await backend.version({ signal: AbortSignal.timeout(3000) });
      log.info({ backend: backend.name, url: backend.url, version }, 'backend answers');
    } catch {
      log.warn(
        { backend: backend.name, url: backend.url },
        `no Ollama answers at ${backend.url}: start it (ollama serve), point Corral elsewhere with --ollama URL, or try "npm run demo" for emulated hosts; requests will fail until it answers`,
      );
    }
  }
}

export function stopOnSignals(
  corral: Corral,
  log: Logger,
  extra: () => Promise<void> = async () => {},
): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // a second Ctrl-C means "now"
    stopping = true;
    log.info({ signal }, 'shutting down');
    void Promise.all([corral.close(), extra()]).then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
