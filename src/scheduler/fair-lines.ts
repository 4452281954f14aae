import { IndexedHeap } from './indexed-heap.js';
import type { HeapHandle } from './indexed-heap.js';
import type { OrderTree } from './order-tree.js';
import type { ResolvedTenant } from './tenants.js';
import type { QueuedJob } from './types.js';

/** A tenant with waiting or running jobs (dropped when it has neither). */
export interface TenantState {
  readonly name: string;
  readonly settings: ResolvedTenant;
  queued: number;
  inFlight: number;
  /** Every line where this tenant has a waiting job. */
  readonly lines: Set<TenantLine>;
}

/** One waiting job as the fair policy holds it. */
export interface FairEntry {
  readonly job: QueuedJob;
  readonly tenant: TenantState;
  /** Arrival order; the last tie-break, so keys are unique. */
  readonly seq: number;
  /** Start-time fair queuing tags, in virtual tokens (cost / weight). */
  readonly startTag: number;
  readonly finishTag: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Current class rank (0 = highest); lowered by aging. */
  rank: number;
  nextPromotionAtMs: number;
  promotion: HeapHandle<FairEntry> | undefined;
  readonly links: Array<{ readonly tenantLine: TenantLine; readonly handle: HeapHandle<FairEntry> }>;
}

/** Dispatch order: class first, then start tag, then arrival. */
export function compareEntries(a: FairEntry, b: FairEntry): number {
  return a.rank - b.rank || a.startTag - b.startTag || a.seq - b.seq;
}

/** Per model: the order tree (positions), virtual time, tenants' finish tags, aging heap. */
export interface ModelState {
  readonly tree: OrderTree<FairEntry>;
  /** Start tag of the latest dispatched job: a newcomer starts here, never earlier (SFQ). */
  virtualTime: number;
  readonly finishTags: Map<string, number>;
  readonly promotions: IndexedHeap<FairEntry>;
  running: number;
  /** Waiting jobs per tenant on this model, and the sum of those tenants' weights. */
  readonly waitingByTenant: Map<string, number>;
  activeWeight: number;
}

/** Counts a waiting job of `tenant` on `model` in or out of the active weight (delta ±1). */
export function countWaiting(model: ModelState, tenant: TenantState, delta: 1 | -1): void {
  const before = model.waitingByTenant.get(tenant.name) ?? 0;
  const after = before + delta;
  if (after > 0) model.waitingByTenant.set(tenant.name, after);
  else model.waitingByTenant.delete(tenant.name);
  if (before === 0 && after > 0) model.activeWeight += tenant.settings.weight;
  if (before > 0 && after === 0) model.activeWeight -= tenant.settings.weight;
}

/** The jobs of one tenant that one (backend, model) may serve, best first. */
export interface TenantLine {
  readonly backend: string;
  readonly model: string;
  readonly tenant: TenantState;
  readonly line: Line;
  readonly jobs: IndexedHeap<FairEntry>;
  /** Present while the tenant is in `line.tenants` (it has jobs here and is below its cap). */
  handle: HeapHandle<TenantLine> | undefined;
}

/**
 * One (backend, model): a heap of tenants keyed by their best job here. Tenants at their in-flight
 * cap are taken out, so the head is always a job that may start: `peekFor` is O(1) and skipping a
 * capped tenant costs nothing per dispatch (the policy stays work-conserving for the others).
 */
export class Line {
  readonly tenants = new IndexedHeap<TenantLine>((a, b) => {
    const x = a.jobs.peek();
    const y = b.jobs.peek();
    return x !== undefined && y !== undefined && compareEntries(x, y) < 0;
  });
  readonly byTenant = new Map<string, TenantLine>();

  tenantLine(backend: string, model: string, tenant: TenantState): TenantLine {
    let tl = this.byTenant.get(tenant.name);
    if (!tl) {
      tl = { backend, model, tenant, line: this, jobs: new IndexedHeap(isBefore), handle: undefined };
      this.byTenant.set(tenant.name, tl);
      tenant.lines.add(tl);
    }
    return tl;
  }
}

function isBefore(a: FairEntry, b: FairEntry): boolean {
  return compareEntries(a, b) < 0;
}

export function isCapped(tenant: TenantState): boolean {
  return tenant.inFlight >= tenant.settings.maxInFlight;
}

/** Re-sorts (or enters, or leaves) the tenant in its line after its jobs or cap changed. */
export function refreshTenantLine(tl: TenantLine): void {
  const isActive = tl.jobs.size > 0 && !isCapped(tl.tenant);
  if (isActive && tl.handle) tl.line.tenants.update(tl.handle);
  else if (isActive) tl.handle = tl.line.tenants.push(tl);
  else if (tl.handle) {
    tl.line.tenants.remove(tl.handle);
    tl.handle = undefined;
  }
  if (tl.jobs.size === 0) {
    tl.line.byTenant.delete(tl.tenant.name);
    tl.tenant.lines.delete(tl);
  }
}
