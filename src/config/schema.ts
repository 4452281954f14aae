import * as z from 'zod';

/**
 * The one description of every option and its default (STYLE.md §3, "Config at the edge").
 * `loadConfig()` validates the merged file/env/flags against `ConfigSchema`; env-var names and
 * the coercion of their string values are derived from this schema too, so a new option is
 * declared once, here.
 *
 * Conventions that keep error messages and the env mapping working:
 * - every object is strict (`z.strictObject`): a typo in corral.yaml is an error, never ignored;
 * - every section uses `.prefault({})`, so an absent section is parsed from `{}` and gets each
 *   field's default (zod 4's `.default()` would return the value unparsed);
 * - messages say what was expected and show what was given (`got …`), see `expected()`.
 *
 * Adding a section (models, fallback, auth, store, cluster, cache, …) is one block: declare
 * `FooSchema` below and add `foo: FooSchema.prefault({})` to `ConfigSchema`.
 */

/** Renders a given value for an error message: strings quoted, objects as short JSON. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** A schema-level message, `expected <what>, got <value>`, that wins over the generic ones. */
function expected(what: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => `expected ${what}, got ${showValue(issue.input)}` };
}

const nonNegativeMs = (what: string) => z.int(expected(what)).min(0, expected(what));
const positiveInt = (what: string) => z.int(expected(what)).min(1, expected(what));

/** http(s) base URLs only; a query or fragment would be mangled when paths are appended. */
const httpUrl = z
  .string(expected('an http(s) URL'))
  .superRefine((value, ctx) => {
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      ctx.addIssue({
        code: 'custom',
        input: value,
        message: `expected an http(s) URL, got ${showValue(value)}`,
      });
    } else if (url.search !== '' || url.hash !== '') {
      ctx.addIssue({
        code: 'custom',
        input: value,
        message: `expected a base URL without ?query or #fragment, got ${showValue(value)}`,
      });
    }
  })
  // Backends append `/api/chat` etc.; a trailing slash would make `//api/chat`.
  .overwrite((value) => value.replace(/\/+$/, ''));

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const BACKEND_TYPES = ['ollama'] as const;

export const ServerSchema = z.strictObject({
  // Loopback by default: a gateway holding everyone's keys must be exposed on purpose.
  host: z
    .string(expected('a host name or IP address'))
    .regex(/^\S+$/, expected('a host name or IP address, such as "127.0.0.1" or "0.0.0.0"'))
    .default('127.0.0.1'),
  // 0 asks the OS for a free port (tests use it).
  port: z
    .int(expected('a port number 0-65535'))
    .min(0, expected('a port number 0-65535'))
    .max(65535, expected('a port number 0-65535'))
    .default(11435),
  // Images travel base64 in JSON bodies, so the limit is far above a text-only API's.
  bodyLimitBytes: positiveInt('a positive number of bytes').default(32 * 1024 * 1024),
  // Streams that wait (queue, cold model load) get a keep-alive after this much silence: Node's
  // fetch gives up after 300 s and proxies often after 60 s.
  keepAliveMs: positiveInt('a positive number of milliseconds').default(15_000),
});

export const BackendTimeoutsSchema = z.strictObject({
  connectMs: positiveInt('a positive number of milliseconds').default(5_000),
  // Silence before the first byte, which includes a cold model load: large models take minutes.
  // Timeouts measure silence, never total length (STYLE.md §3). 0 disables.
  firstByteMs: nonNegativeMs('a number of milliseconds >= 0 (0 disables)').default(300_000),
  // Silence between two chunks of a stream. 0 disables.
  idleMs: nonNegativeMs('a number of milliseconds >= 0 (0 disables)').default(300_000),
});

const maxParallelMessage = expected('a positive integer or "auto"');

export const BackendSchema = z.strictObject({
  // Shown in status, metrics labels and `x-corral-served-by`, hence no spaces.
  name: z
    .string(expected('a backend name'))
    .regex(/^\S{1,100}$/, expected('a name of 1-100 characters without spaces')),
  url: httpUrl,
  type: z
    .enum(BACKEND_TYPES, expected(BACKEND_TYPES.map((t) => JSON.stringify(t)).join(' | ')))
    .default('ollama'),
  // Relative share of traffic when several backends could serve a request.
  weight: z.number(expected('a positive number')).positive(expected('a positive number')).default(1),
  // Concurrent requests per model on this host: Ollama's OLLAMA_NUM_PARALLEL, whose default is 1.
  // 'auto' means 1 until the fleet can measure it (Ollama does not report it). More than Ollama's slots just queues inside
  // Ollama, where the wait is invisible and not fair (DESIGN.md §5).
  maxParallel: z
    .union([z.literal('auto'), z.int(maxParallelMessage).min(1, maxParallelMessage)], maxParallelMessage)
    .default(1),
  // Models the host keeps resident at once (its OLLAMA_MAX_LOADED_MODELS; Ollama's default is 3
  // per GPU). The router uses it to predict when a load would evict another model.
  maxLoadedModels: positiveInt('a positive integer').default(3),
  timeouts: BackendTimeoutsSchema.prefault({}),
});

/** Names are how the router, status page and metrics tell hosts apart: duplicates are errors. */
export const BackendsSchema = z
  .array(BackendSchema, expected('a list of backends'))
  .min(1, { error: 'expected at least one backend (remove the key to use http://127.0.0.1:11434)' })
  .superRefine(
    (backends, ctx) => {
      const firstIndex = new Map<string, number>();
      backends.forEach((backend: unknown, index) => {
        // Runs even when other fields are wrong (see `when`), so the input may be malformed.
        const name: unknown = isRecord(backend) ? backend['name'] : undefined;
        if (typeof name !== 'string') return;
        const first = firstIndex.get(name);
        if (first === undefined) {
          firstIndex.set(name, index);
          return;
        }
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          input: name,
          message: `duplicate backend name ${showValue(name)} (also backends[${first}].name); give each backend a unique name`,
        });
      });
    },
    // Report duplicates together with other mistakes in the list, not only after they are fixed.
    { when: (payload) => Array.isArray(payload.value) },
  )
  .prefault([{ name: 'local', url: 'http://127.0.0.1:11434' }]);

/** What the fair queue needs to know about one tenant (weight, class ceiling, limits). */
export const TenantSettingsSchema = z.strictObject({
  // Share of the slots relative to other tenants with waiting work.
  weight: z.number(expected('a positive number')).positive(expected('a positive number')).default(1),
  // Highest class the tenant may ask for; higher hints are lowered to it. Default: any class.
  maxPriority: z.string(expected('a class name')).optional(),
  // Class used when the tenant's request asks for none. Default: `scheduler.defaultPriority`.
  defaultPriority: z.string(expected('a class name')).optional(),
  // Waiting requests before this tenant gets 429s. Default: no per-tenant limit.
  maxQueued: positiveInt('a positive integer').optional(),
  // Requests running at once; more wait (others' work goes first). Default: no limit.
  maxInFlight: positiveInt('a positive integer').optional(),
});

export const SchedulerSchema = z
  .strictObject({
    // Bounds memory and tells clients "come back later" (queue_full) instead of growing forever.
    maxQueued: positiveInt('a positive integer').default(1024),
    maxQueuedPerModel: positiveInt('a positive integer').default(512),
    // 0 = wait as long as it takes; clients see their position and can leave when they like.
    maxQueueWaitMs: nonNegativeMs('a number of milliseconds >= 0 (0 = no limit)').default(0),
    // The `retry-after` hint sent with queue_full answers.
    retryAfterMs: positiveInt('a positive number of milliseconds').default(5_000),
    // 'fair': weighted fair queuing between tenants inside aged priority classes; 'fifo': arrival order.
    policy: z.enum(['fair', 'fifo'], expected('"fair" | "fifo"')).default('fair'),
    // Priority classes, highest first. Requests ask with `x-corral-priority`; tenants are capped.
    priorities: z
      .array(
        z.string(expected('a class name')).regex(/^[A-Za-z0-9_-]{1,32}$/, expected('a class name')),
        expected('a list of class names'),
      )
      .min(1, expected('at least one class'))
      .default(['interactive', 'default', 'batch']),
    // Class of a request that asks for none.
    defaultPriority: z.string(expected('a class name')).default('default'),
    // A waiting request moves up one class after this long, so nothing starves.
    agingMs: positiveInt('a positive number of milliseconds').default(30_000),
    // Settings for every tenant not listed in `tenants`.
    tenantDefaults: TenantSettingsSchema.prefault({}),
    // Per-tenant settings by tenant id (open mode: `user:NAME`, `key:HASH` or `ip:ADDRESS`).
    tenants: z
      .record(z.string(), TenantSettingsSchema, expected('a map of tenant id to settings'))
      .default({}),
  })
  .superRefine((scheduler, ctx) => {
    // A class name that is not in `priorities` would silently mean "the default class".
    const known = new Set(scheduler.priorities);
    const check = (name: string | undefined, path: string[]) => {
      if (name !== undefined && !known.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path,
          input: name,
          message: `expected one of the priority classes (${scheduler.priorities.join(', ')}), got ${showValue(name)}`,
        });
      }
    };
    check(scheduler.defaultPriority, ['defaultPriority']);
    check(scheduler.tenantDefaults.maxPriority, ['tenantDefaults', 'maxPriority']);
    check(scheduler.tenantDefaults.defaultPriority, ['tenantDefaults', 'defaultPriority']);
    for (const [id, tenant] of Object.entries(scheduler.tenants)) {
      check(tenant.maxPriority, ['tenants', id, 'maxPriority']);
      check(tenant.defaultPriority, ['tenants', id, 'defaultPriority']);
    }
  });

/** Discovery and health of the backends (docs/configuration.md, "Fleet"). */
export const FleetSchema = z.strictObject({
  // Installed and loaded models, version and health of every healthy backend are asked this often
  // (also after each request). 0 = only after requests and for the status page.
  refreshMs: nonNegativeMs('a number of milliseconds >= 0 (0 = no timer)').default(5_000),
  // One discovery may take this long; a slower answer counts as a failure.
  checkTimeoutMs: positiveInt('a positive number of milliseconds').default(2_000),
  // Consecutive failures (unreachable on a request, or a failed check) that open a backend's
  // circuit: it leaves routing until a probe succeeds.
  failureThreshold: positiveInt('a positive integer').default(3),
  // How long an open circuit waits before the half-open probe.
  cooldownMs: positiveInt('a positive number of milliseconds').default(10_000),
});

/** Price of a cloud model in US dollars per million tokens, for cost per tenant. */
export const CloudPriceSchema = z.strictObject({
  inputPerMTok: z.number(expected('a number >= 0')).min(0, expected('a number >= 0')),
  outputPerMTok: z.number(expected('a number >= 0')).min(0, expected('a number >= 0')),
});

/**
 * The cloud fallback (Anthropic Messages API): where a request goes when its predicted or actual
 * wait for a local host passes `maxWaitMs`, or when no local host can serve its model. Off by
 * default, and even when on only for allowed tenants and mapped models: prompts leave the building.
 */
export const FallbackSchema = z
  .strictObject({
    enabled: z.boolean(expected('true or false')).default(false),
    // Name in usage rows, status and `x-corral-served-by`.
    name: z
      .string(expected('a backend name'))
      .regex(/^\S{1,100}$/, expected('a name of 1-100 characters without spaces'))
      .default('anthropic'),
    // API root without /v1; Anthropic's when unset. Tests point it at a local fake.
    baseUrl: httpUrl.optional(),
    // The gateway's own cloud key; unset = the ANTHROPIC_API_KEY environment variable.
    apiKey: z.string(expected('an API key')).min(1, expected('an API key')).optional(),
    // Longest a request waits for a local slot when it could go to the cloud: predicted at
    // enqueue (sent at once if longer) and enforced while waiting (sent when reached).
    maxWaitMs: positiveInt('a positive number of milliseconds').default(30_000),
    // Local model name -> cloud model. Only mapped models fall back; "*" maps every other model.
    models: z
      .record(
        z.string(),
        z.string().min(1, expected('a cloud model name')),
        expected('a map of local model to cloud model'),
      )
      .default({}),
    // Open mode: tenant ids allowed to fall back ("*" = everyone). Keys mode: the key's tenant
    // record decides (`corral tenants update ID --cloud-fallback`).
    tenants: z.array(z.string(expected('a tenant id')), expected('a list of tenant ids')).default([]),
    // Cloud model -> price, for the cost counted per tenant in usage. Unpriced models cost 0.
    prices: z.record(z.string(), CloudPriceSchema, expected('a map of cloud model to prices')).default({}),
    // max_tokens for requests that set none (the Messages API requires one).
    defaultMaxTokens: positiveInt('a positive integer').default(4096),
    // SDK retries before the first byte (connection errors, 429, 5xx).
    maxRetries: z.int(expected('an integer >= 0')).min(0, expected('an integer >= 0')).default(1),
    // Longest one cloud call may take in all.
    timeoutMs: positiveInt('a positive number of milliseconds').default(600_000),
  })
  .superRefine((fallback, ctx) => {
    if (fallback.enabled && Object.keys(fallback.models).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['models'],
        input: fallback.models,
        message:
          'fallback.enabled is true but fallback.models maps no model; map local names to cloud models, e.g. {"llama3.2": "claude-haiku-4-5"}',
      });
    }
  });

export const AUTH_MODES = ['open', 'keys'] as const;
export const STORE_KINDS = ['sqlite', 'postgres'] as const;

export const AuthSchema = z.strictObject({
  // `open` (default): anyone may call, tenants are derived from the key sent (hashed), x-corral-user or address.
  // `keys`: every protocol call needs an API key from the store (`corral keys create`).
  mode: z.enum(AUTH_MODES, expected(AUTH_MODES.map((m) => JSON.stringify(m)).join(' | '))).default('open'),
  // A secret: whoever holds it manages keys and tenants over HTTP. Unset = admin endpoints off.
  adminKey: z
    .string(expected('a secret string of at least 16 characters'))
    .min(16, expected('a secret string of at least 16 characters'))
    .optional(),
});

export const StoreSchema = z
  .strictObject({
    kind: z
      .enum(STORE_KINDS, expected(STORE_KINDS.map((k) => JSON.stringify(k)).join(' | ')))
      .default('sqlite'),
    // SQLite file, relative to the working directory; it and its directory are created on start.
    path: z.string(expected('a file path')).min(1, expected('a file path')).default('./data/corral.db'),
    // SQLite durability: 'normal' keeps every committed row through a crash or kill of the process
    // (WAL in the OS cache) at a fraction of the cost; 'full' also survives power loss (one disk
    // sync per commit, which blocks the event loop).
    synchronous: z.enum(['normal', 'full'], expected('"normal" | "full"')).default('normal'),
    // PostgreSQL connection URL, needed when kind is postgres (several replicas share it).
    url: z
      .string(expected('a postgres:// URL'))
      .regex(/^postgres(ql)?:\/\//, expected('a postgres:// URL'))
      .optional(),
  })
  .superRefine((store, ctx) => {
    if (store.kind === 'postgres' && store.url === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        input: store.url,
        message:
          'store.kind is "postgres" but store.url is not set; give a postgres:// URL or use kind "sqlite"',
      });
    }
  });

export const UsageSchema = z.strictObject({
  // Keep prompt text in usage rows. Off: other people's data stays out of the database.
  audit: z.boolean(expected('true or false')).default(false),
});

export const LoggingSchema = z.strictObject({
  level: z.enum(LOG_LEVELS, expected(LOG_LEVELS.map((l) => JSON.stringify(l)).join(' | '))).default('info'),
  // Prompts and completions are other people's data: kept out of logs unless asked for.
  logPrompts: z.boolean(expected('true or false')).default(false),
});

export const ConfigSchema = z.strictObject({
  server: ServerSchema.prefault({}),
  backends: BackendsSchema,
  fleet: FleetSchema.prefault({}),
  fallback: FallbackSchema.prefault({}),
  scheduler: SchedulerSchema.prefault({}),
  logging: LoggingSchema.prefault({}),
  auth: AuthSchema.prefault({}),
  store: StoreSchema.prefault({}),
  usage: UsageSchema.prefault({}),
});

type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The validated, defaulted, deeply frozen configuration `loadConfig()` returns. */
export type Config = DeepReadonly<z.output<typeof ConfigSchema>>;
export type ServerConfig = Config['server'];
export type BackendConfig = Config['backends'][number];
export type BackendTimeouts = BackendConfig['timeouts'];
export type SchedulerConfig = Config['scheduler'];
export type FleetConfig = Config['fleet'];
export type FallbackConfig = Config['fallback'];
export type LoggingConfig = Config['logging'];
export type AuthConfig = Config['auth'];
export type StoreConfig = Config['store'];
export type UsageConfig = Config['usage'];
export type LogLevel = (typeof LOG_LEVELS)[number];
/** What a config file or `CORRAL_BACKENDS` may contain before defaults are applied. */
export type ConfigInput = z.input<typeof ConfigSchema>;
