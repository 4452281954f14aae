/** The configuration layer's public API: `loadConfig()` at the edge, `Config` everywhere else. */
export { loadConfig, parseConfig, DEFAULT_CONFIG_FILE } from './load.js';
export type { LoadConfigOptions } from './load.js';
export type { PartialConfigFromFlags } from './flags.js';
export { ConfigError, isConfigError, formatConfigIssue } from './errors.js';
export type { ConfigIssue } from './errors.js';
export { ENV_CONFIG_FILE, ENV_OLLAMA } from './env.js';
export { ConfigSchema, LOG_LEVELS, BACKEND_TYPES } from './schema.js';
export type {
  Config,
  ConfigInput,
  ServerConfig,
  BackendConfig,
  BackendTimeouts,
  SchedulerConfig,
  FleetConfig,
  FallbackConfig,
  LoggingConfig,
  LogLevel,
  AuthConfig,
  StoreConfig,
  UsageConfig,
} from './schema.js';
