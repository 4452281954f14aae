import type { TenantLookup, TenantSettings } from '../scheduler/index.js';

/**
 * Where the fair queue learns a tenant's settings: what the request's credentials said (a key's
 * tenant record, when keys are checked), else the config's per-tenant entry, else its defaults.
 * The scheduler asks when a tenant first appears and again after it went idle, so a changed key
 * record takes effect at the tenant's next busy period.
 */
export class TenantDirectory {
  readonly #configured: Readonly<Record<string, TenantSettings>>;
  readonly #defaults: TenantSettings;
  readonly #fromCredentials = new Map<string, TenantSettings>();

  constructor(configured: Readonly<Record<string, TenantSettings>>, defaults: TenantSettings) {
    this.#configured = configured;
    this.#defaults = defaults;
  }

  readonly lookup: TenantLookup = (tenant) =>
    this.#fromCredentials.get(tenant) ?? this.#configured[tenant] ?? this.#defaults;

  /** Settings a request's credentials carry; bounded by the number of distinct tenants. */
  remember(tenant: string, settings: TenantSettings): void {
    this.#fromCredentials.set(tenant, settings);
  }
}
