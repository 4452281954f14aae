import type { Clock } from '../core/clock.js';
import { compareEntries, countWaiting, isCapped, Line, refreshTenantLine } from './fair-lines.js';
import type { FairEntry, ModelState, TenantState } from './fair-lines.js';
import { IndexedHeap } from './indexed-heap.js';
import { OrderTree } from './order-tree.js';
import type { LeaveReason, PolicyLine, PolicyRefusal, QueuePolicy, WorkAhead } from './queue-policy.js';
import { openTenants, PriorityClasses } from './tenants.js';
import type { TenantLookup } from './tenants.js';
import type { QueuedJob } from './types.js';

export interface FairPolicyOptions {
  readonly tenants?: TenantLookup;
  /** Class names, highest first. Default `['interactive', 'default', 'batch']`. */
  readonly classes?: readonly string[];
  /** Class of a request with no hint and no tenant default. Default `'default'`. */
  readonly defaultClass?: string;
  /** Wait after which a job moves up one class (so batch reaches the top after 2x). Default 30 s. */
  readonly agingMs?: number;
  /** Cost of a job that states none (no costTokens, prompt or output estimate). Default 1. */
  readonly defaultCostTokens?: number;
}

/**
 * Weighted fair queuing between tenants (start-time fair queuing, SFQ) inside strict priority
 * classes that age. See design.md, "Fair policy", for the rules and why they are starvation-free.
 *
 * Order (one total order per model, static except for aging):
 *   (class rank, start tag, arrival).
 * A job's start tag is `max(V, F_tenant)` where V is the model's virtual time (start tag of the
 * latest dispatch) and F_tenant the finish tag of the tenant's previous job; its finish tag adds
 * `cost / weight`. A flooder's jobs get tags far ahead; a newcomer starts at V, so it goes next.
 *
 * Structures (n waiting jobs, all O(log n)):
 * - per model an `OrderTree` in that order: `position` is a rank, `workAhead` a prefix sum;
 * - per (backend, model) a `Line`: a heap of tenants keyed by their best job there, each tenant
 *   holding a heap of its jobs; capped tenants leave the heap. `peekFor` = head of head;
 * - per model a heap of jobs by next promotion time: aging pops the due ones lazily.
 */
export class FairPolicy implements QueuePolicy {
  readonly #clock: Clock;
  readonly #lookup: TenantLookup;
  readonly #classes: PriorityClasses;
  readonly #agingMs: number;
  readonly #defaultCost: number;
  readonly #entries = new Map<string, FairEntry>();
  readonly #models = new Map<string, ModelState>();
  readonly #tenants = new Map<string, TenantState>();
  /** backend -> model -> line. */
  readonly #lines = new Map<string, Map<string, Line>>();
  #moved = new Map<string, number>();
  #seq = 0;

  constructor(options: FairPolicyOptions, clock: Clock) {
    this.#clock = clock;
    this.#lookup = options.tenants ?? openTenants;
    this.#classes = new PriorityClasses(options.classes, options.defaultClass);
    this.#agingMs = options.agingMs ?? 30_000;
    if (!(this.#agingMs > 0)) throw new RangeError('agingMs must be > 0');
    this.#defaultCost = options.defaultCostTokens ?? 1;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The class name a job waits in now (after clamping and aging), for status pages. */
  classOf(jobId: string): string | undefined {
    const entry = this.#entries.get(jobId);
    return entry && this.#classes.names[entry.rank];
  }

  /** The class a job enters in: its hint (or its tenant's default) clamped to the tenant's ceiling. */
  classFor(job: QueuedJob): string {
    const settings =
      this.#tenants.get(job.tenant)?.settings ?? this.#classes.resolve(this.#lookup(job.tenant));
    const rank = this.#classes.effectiveRank(job.priority, settings);
    return this.#classes.names[rank] ?? this.#classes.names[this.#classes.defaultRank] ?? 'default';
  }

  push(job: QueuedJob): number {
    if (this.#entries.has(job.id)) throw new Error(`FairPolicy.push: job ${job.id} is already waiting`);
    this.#age(job.model);
    const tenant = this.#tenant(job.tenant);
    const model = this.#model(job.model);
    const [startTag, finishTag] = this.#charge(model, tenant, job);
    const rank = this.#classes.effectiveRank(job.priority, tenant.settings);
    const entry: FairEntry = {
      job,
      tenant,
      seq: this.#seq++,
      startTag,
      finishTag,
      promptTokens: job.promptTokens ?? 0,
      outputTokens: job.expectedOutputTokens ?? 0,
      rank,
      nextPromotionAtMs: job.enqueuedAtMs + this.#agingMs,
      promotion: undefined,
      links: [],
    };
    this.#entries.set(job.id, entry);
    model.tree.insert(entry);
    if (rank > 0) entry.promotion = model.promotions.push(entry);
    for (const backend of new Set(job.backends)) {
      const tenantLine = this.#line(backend, job.model).tenantLine(backend, job.model, tenant);
      entry.links.push({ tenantLine, handle: tenantLine.jobs.push(entry) });
      refreshTenantLine(tenantLine);
    }
    tenant.queued++;
    countWaiting(model, tenant, 1);
    return model.tree.rank(entry);
  }

  remove(jobId: string, reason: LeaveReason): number | undefined {
    const entry = this.#entries.get(jobId);
    if (!entry) return undefined;
    const model = this.#models.get(entry.job.model);
    if (!model) throw new Error(`FairPolicy: no state for model ${entry.job.model}`); // invariant broken
    this.#entries.delete(jobId);
    const position = model.tree.rank(entry);
    model.tree.delete(entry);
    if (entry.promotion) model.promotions.remove(entry.promotion);
    for (const { tenantLine, handle } of entry.links) {
      tenantLine.jobs.remove(handle);
      refreshTenantLine(tenantLine);
      this.#dropLineIfEmpty(tenantLine.backend, tenantLine.model);
    }
    if (reason === 'dispatched') model.virtualTime = Math.max(model.virtualTime, entry.startTag);
    else if (model.finishTags.get(entry.tenant.name) === entry.finishTag) {
      // The tenant's last job left unserved: give back its charge so it is not pushed back.
      model.finishTags.set(entry.tenant.name, entry.startTag);
    }
    entry.tenant.queued--;
    countWaiting(model, entry.tenant, -1);
    this.#dropIfIdle(entry.job.model, entry.tenant);
    return position;
  }

  peekFor(backend: string, model: string): QueuedJob | undefined {
    this.#age(model);
    return this.#lines.get(backend)?.get(model)?.tenants.peek()?.jobs.peek()?.job;
  }

  position(jobId: string): number | undefined {
    const entry = this.#entries.get(jobId);
    if (!entry) return undefined;
    this.#age(entry.job.model);
    return this.#models.get(entry.job.model)?.tree.rank(entry);
  }

  workAhead(jobId: string): WorkAhead | undefined {
    const entry = this.#entries.get(jobId);
    if (!entry) return undefined;
    this.#age(entry.job.model);
    const model = this.#models.get(entry.job.model);
    if (!model) return undefined;
    const sums = model.tree.prefix(entry);
    // Under SFQ, the job starts when virtual time reaches its start tag; while the waiting tenants
    // stay busy, virtual time advances by 1 per `activeWeight` tokens served. Measured from the
    // head's tag, not V: V is the tag of a job already running, whose work the ETA counts apart.
    const lag = Math.max(0, entry.startTag - (model.tree.first()?.startTag ?? entry.startTag));
    return {
      jobs: sums.count,
      promptTokens: sums.promptTokens,
      outputTokens: sums.outputTokens,
      fairShareCostTokens: lag * model.activeWeight,
    };
  }

  lengthOf(model: string): number {
    return this.#models.get(model)?.tree.size ?? 0;
  }

  lengths(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, model] of this.#models) if (model.tree.size > 0) out.set(name, model.tree.size);
    return out;
  }

  modelsWaitingOn(backend: string): string[] {
    return [...(this.#lines.get(backend)?.keys() ?? [])];
  }

  admit(job: QueuedJob): PolicyRefusal | undefined {
    const tenant = this.#tenants.get(job.tenant);
    const limit = (tenant?.settings ?? this.#classes.resolve(this.#lookup(job.tenant))).maxQueued;
    if ((tenant?.queued ?? 0) < limit) return undefined;
    return { type: 'tenant_queue_full', tenant: job.tenant, limit };
  }

  mayStart(job: QueuedJob): boolean {
    const tenant = this.#tenants.get(job.tenant);
    if (tenant) return !isCapped(tenant);
    return this.#classes.resolve(this.#lookup(job.tenant)).maxInFlight > 0;
  }

  started(job: QueuedJob, fromQueue: boolean): void {
    const tenant = this.#tenant(job.tenant);
    const model = this.#model(job.model);
    // A job that never waited is still charged: otherwise a flooder's first job would be free.
    if (!fromQueue) model.virtualTime = Math.max(model.virtualTime, this.#charge(model, tenant, job)[0]);
    model.running++;
    tenant.inFlight++;
    if (isCapped(tenant)) for (const tl of tenant.lines) refreshTenantLine(tl);
  }

  ended(job: QueuedJob): readonly PolicyLine[] {
    const tenant = this.#tenants.get(job.tenant);
    const model = this.#models.get(job.model);
    if (!tenant || !model) return [];
    const wasCapped = isCapped(tenant);
    tenant.inFlight--;
    model.running--;
    const unblocked: PolicyLine[] = [];
    if (wasCapped && !isCapped(tenant)) {
      for (const tl of tenant.lines) {
        refreshTenantLine(tl);
        unblocked.push({ backend: tl.backend, model: tl.model });
      }
    }
    this.#dropIfIdle(job.model, tenant);
    return unblocked;
  }

  advance(): void {
    for (const model of [...this.#models.keys()]) this.#age(model);
  }

  takeMoved(): ReadonlyMap<string, number> {
    const moved = this.#moved;
    this.#moved = new Map();
    return moved;
  }

  /** Assigns the next SFQ tags of `tenant` on `model`: [start, finish]. */
  #charge(model: ModelState, tenant: TenantState, job: QueuedJob): [number, number] {
    const stated = job.costTokens ?? (job.promptTokens ?? 0) + (job.expectedOutputTokens ?? 0);
    const cost = stated > 0 ? stated : this.#defaultCost;
    const start = Math.max(model.virtualTime, model.finishTags.get(tenant.name) ?? 0);
    const finish = start + cost / tenant.settings.weight;
    model.finishTags.set(tenant.name, finish);
    return [start, finish];
  }

  /**
   * Moves every job whose wait crossed its next aging step up one class. A job is promoted at
   * most (classes - 1) times, each O(log n), so aging is amortized into the jobs' own cost.
   */
  #age(name: string): void {
    const model = this.#models.get(name);
    if (!model) return;
    const now = this.#clock.now();
    for (let entry = model.promotions.peek(); entry && entry.nextPromotionAtMs <= now;) {
      model.tree.delete(entry);
      entry.rank--;
      model.tree.insert(entry);
      const to = model.tree.rank(entry);
      const known = this.#moved.get(name);
      if (known === undefined || to < known) this.#moved.set(name, to);
      for (const { tenantLine, handle } of entry.links) {
        tenantLine.jobs.update(handle);
        refreshTenantLine(tenantLine);
      }
      if (entry.promotion && entry.rank > 0) {
        entry.nextPromotionAtMs += this.#agingMs;
        model.promotions.update(entry.promotion);
      } else if (entry.promotion) {
        model.promotions.remove(entry.promotion);
        entry.promotion = undefined;
      }
      entry = model.promotions.peek();
    }
  }

  #tenant(name: string): TenantState {
    let tenant = this.#tenants.get(name);
    if (!tenant) {
      const settings = this.#classes.resolve(this.#lookup(name));
      tenant = { name, settings, queued: 0, inFlight: 0, lines: new Set() };
      this.#tenants.set(name, tenant);
    }
    return tenant;
  }

  #model(name: string): ModelState {
    let model = this.#models.get(name);
    if (!model) {
      model = {
        tree: new OrderTree(compareEntries),
        virtualTime: 0,
        finishTags: new Map(),
        promotions: new IndexedHeap(isDueFirst),
        running: 0,
        waitingByTenant: new Map(),
        activeWeight: 0,
      };
      this.#models.set(name, model);
    }
    return model;
  }

  #line(backend: string, model: string): Line {
    let models = this.#lines.get(backend);
    if (!models) this.#lines.set(backend, (models = new Map()));
    let line = models.get(model);
    if (!line) models.set(model, (line = new Line()));
    return line;
  }

  #dropLineIfEmpty(backend: string, model: string): void {
    const models = this.#lines.get(backend);
    if (models?.get(model)?.byTenant.size !== 0) return;
    models.delete(model);
    if (models.size === 0) this.#lines.delete(backend);
  }

  /** Memory follows live work: idle tenants and models are forgotten (their tags with them). */
  #dropIfIdle(modelName: string, tenant: TenantState): void {
    if (tenant.queued === 0 && tenant.inFlight === 0) this.#tenants.delete(tenant.name);
    const model = this.#models.get(modelName);
    if (model && model.tree.size === 0 && model.running === 0) this.#models.delete(modelName);
  }
}

function isDueFirst(a: FairEntry, b: FairEntry): boolean {
  return (
    a.nextPromotionAtMs < b.nextPromotionAtMs ||
    (a.nextPromotionAtMs === b.nextPromotionAtMs && a.seq < b.seq)
  );
}
