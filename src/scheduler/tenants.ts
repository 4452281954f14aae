import type { Priority } from '../core/chat.js';

/**
 * What the scheduler needs to know about a tenant. Every field is optional; the defaults are
 * "no limit, weight 1, every class allowed". Config supplies these today and the key store later,
 * both behind one `TenantLookup`.
 */
export interface TenantSettings {
  /** Share of the slots relative to other tenants with waiting work (WFQ weight). Default 1. */
  readonly weight?: number;
  /**
   * Highest priority class this tenant may ask for; a higher hint is clamped down to it. A name
   * that is not a configured class counts as the default class, never as the top one.
   */
  readonly maxPriority?: Priority;
  /** Class used when a request carries no hint. Default: the policy's default class. */
  readonly defaultPriority?: Priority;
  /** Waiting jobs (all models) before `rate_limited`. Default unlimited. */
  readonly maxQueued?: number;
  /** Running jobs (all models) at once; more wait, they are not refused. Default unlimited. */
  readonly maxInFlight?: number;
}

/** Called when a tenant first appears in the scheduler, and again after it has gone idle. */
export type TenantLookup = (tenant: string) => TenantSettings;

export const openTenants: TenantLookup = () => ({});

/** Settings with defaults applied and validated, as the fair policy keeps them. */
export interface ResolvedTenant {
  readonly weight: number;
  /** Index into the class list (0 = highest). */
  readonly maxRank: number;
  readonly defaultRank: number;
  readonly maxQueued: number;
  readonly maxInFlight: number;
}

/** Ordered priority classes, highest first (`interactive` > `default` > `batch` by default). */
export class PriorityClasses {
  readonly names: readonly string[];
  readonly defaultRank: number;

  constructor(names: readonly string[] = ['interactive', 'default', 'batch'], defaultName = 'default') {
    if (names.length === 0 || new Set(names).size !== names.length) {
      throw new RangeError('priority classes must be a non-empty list of distinct names');
    }
    this.names = [...names];
    const rank = this.names.indexOf(defaultName);
    if (rank < 0) throw new RangeError(`default priority class '${defaultName}' is not in the list`);
    this.defaultRank = rank;
  }

  get lowestRank(): number {
    return this.names.length - 1;
  }

  /** Rank of a class name; an unknown or missing name means `fallback`. */
  rankOf(name: Priority | undefined, fallback: number): number {
    if (name === undefined) return fallback;
    const rank = this.names.indexOf(name);
    return rank < 0 ? fallback : rank;
  }

  resolve(settings: TenantSettings): ResolvedTenant {
    const weight = settings.weight ?? 1;
    if (!(weight > 0) || !Number.isFinite(weight))
      throw new RangeError(`tenant weight must be > 0, got ${weight}`);
    // No ceiling means every class; a ceiling naming no configured class (a tenant record written
    // before the classes were renamed, say) means the default class. Falling back to rank 0 here
    // would hand the top class to any typo.
    const maxRank =
      settings.maxPriority === undefined ? 0 : this.rankOf(settings.maxPriority, this.defaultRank);
    return {
      weight,
      maxRank,
      defaultRank: Math.max(maxRank, this.rankOf(settings.defaultPriority, this.defaultRank)),
      maxQueued: settings.maxQueued ?? Number.POSITIVE_INFINITY,
      maxInFlight: settings.maxInFlight ?? Number.POSITIVE_INFINITY,
    };
  }

  /** The class a request runs in: its hint (or the tenant default), clamped to what it may ask. */
  effectiveRank(hint: Priority | undefined, tenant: ResolvedTenant): number {
    return Math.max(tenant.maxRank, this.rankOf(hint, tenant.defaultRank));
  }
}
