import type { Layer } from './env.js';
import { numberOrText } from './env.js';
import { backendsFromUrls } from './shortcuts.js';

/**
 * The `corral serve` flags that override config, as commander hands them over: values may still
 * be strings (`--port abc`), and validation reports them under the flag's name.
 */
export interface PartialConfigFromFlags {
  /** `--host` → `server.host` */
  readonly host?: string | undefined;
  /** `--port` → `server.port` */
  readonly port?: number | string | undefined;
  /** `--ollama URL`, repeatable: replaces every configured backend with these hosts. */
  readonly ollama?: readonly string[] | undefined;
  /** `--log-level` → `logging.level` */
  readonly logLevel?: string | undefined;
}

export function readFlags(flags: PartialConfigFromFlags): Layer[] {
  const layers: Layer[] = [];
  if (flags.host !== undefined) layers.push({ source: '--host', value: { server: { host: flags.host } } });
  if (flags.port !== undefined) {
    const port = typeof flags.port === 'number' ? flags.port : numberOrText(flags.port);
    layers.push({ source: '--port', value: { server: { port } } });
  }
  if (flags.ollama !== undefined && flags.ollama.length > 0) {
    layers.push({ source: '--ollama', value: { backends: backendsFromUrls(flags.ollama) } });
  }
  if (flags.logLevel !== undefined) {
    layers.push({ source: '--log-level', value: { logging: { level: flags.logLevel } } });
  }
  return layers;
}
