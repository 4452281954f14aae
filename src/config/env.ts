import type { ConfigIssue } from './errors.js';
import { closestMatch } from './errors.js';
import type { RawObject } from './merge.js';
import { nest } from './merge.js';
import type { EnvSetting, EnvValueKind } from './schema-walk.js';
import { ENV_PREFIX } from './schema-walk.js';
import { showValue } from './schema.js';
import { backendsFromUrls, splitUrlList } from './shortcuts.js';

/**
 * `CORRAL_*` variables → config layers. Every key is settable (`CORRAL_SERVER__PORT=8080`), values
 * are coerced to the type the schema expects at that key, and an unknown `CORRAL_*` name is an
 * error: a misspelt variable would otherwise be silently ignored, the same trap as a typo in YAML.
 */

/** Names the config file, like `--config`. */
export const ENV_CONFIG_FILE = 'CORRAL_CONFIG';
/** Same as repeating `--ollama`: comma-separated URLs that replace the configured backends. */
export const ENV_OLLAMA = 'CORRAL_OLLAMA';

export interface Layer {
  readonly source: string;
  readonly value: RawObject;
}

export interface EnvLayers {
  /** In the order to apply them: shallow keys first, so `CORRAL_SERVER__PORT` refines `CORRAL_SERVER`. */
  readonly layers: readonly Layer[];
  readonly issues: readonly ConfigIssue[];
  readonly configFile: string | undefined;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
  on: true,
  off: false,
};

/** `"8080"` → 8080; anything else stays the string it was, for validation to report. */
export function numberOrText(text: string): number | string {
  return NUMBER.test(text.trim()) ? Number(text.trim()) : text;
}

type Coerced =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/**
 * A value that doesn't look like its type is passed through as the string it was, so the
 * schema reports it with the same message as a wrong value in the file.
 */
export function coerceEnvValue(raw: string, kind: EnvValueKind): Coerced {
  const text = raw.trim();
  switch (kind) {
    case 'string':
      return { ok: true, value: text };
    case 'number':
    case 'number-or-string':
      return { ok: true, value: numberOrText(text) };
    case 'boolean': {
      const value = BOOLEANS[text.toLowerCase()];
      return { ok: true, value: value ?? text };
    }
    case 'json':
      try {
        return { ok: true, value: JSON.parse(text) as unknown };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return { ok: false, message: `expected JSON, got ${showValue(text)} (${reason})` };
      }
  }
}

export function readEnv(
  env: Readonly<Record<string, string | undefined>>,
  settings: readonly EnvSetting[],
): EnvLayers {
  const byName = new Map(settings.map((setting) => [setting.name, setting]));
  const known = [...byName.keys(), ENV_CONFIG_FILE, ENV_OLLAMA];
  const issues: ConfigIssue[] = [];
  const found: { setting: EnvSetting; layer: Layer }[] = [];
  let configFile: string | undefined;

  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX)) continue;
    // An empty variable counts as unset: `FOO=` is how shells and compose files clear a value.
    const isSet = raw !== undefined && raw.trim() !== '';
    if (name === ENV_CONFIG_FILE) {
      if (isSet) configFile = raw.trim();
      continue;
    }
    if (name === ENV_OLLAMA) continue;
    const setting = byName.get(name);
    if (setting === undefined) {
      const guess = closestMatch(name, known);
      const hint = guess === undefined ? 'see docs/configuration.md for the list' : `did you mean ${guess}?`;
      issues.push({ source: name, message: `unknown environment variable; ${hint}` });
      continue;
    }
    if (!isSet) continue;
    const coerced = coerceEnvValue(raw, setting.kind);
    if (!coerced.ok) {
      issues.push({ key: setting.path.join('.'), source: name, message: coerced.message });
      continue;
    }
    found.push({ setting, layer: { source: name, value: nest(setting.path, coerced.value) } });
  }

  const ollama = env[ENV_OLLAMA]?.trim() ?? '';
  if (ollama !== '') {
    if (found.some(({ setting }) => setting.path[0] === 'backends')) {
      issues.push({
        source: ENV_OLLAMA,
        message: 'both CORRAL_OLLAMA and CORRAL_BACKENDS are set; keep one of them',
      });
    } else {
      const backends = backendsFromUrls(splitUrlList(ollama));
      found.push({
        setting: { name: ENV_OLLAMA, path: ['backends'], kind: 'json' },
        layer: { source: ENV_OLLAMA, value: { backends } },
      });
    }
  }

  found.sort((a, b) => a.setting.path.length - b.setting.path.length);
  return { layers: found.map(({ layer }) => layer), issues, configFile };
}
