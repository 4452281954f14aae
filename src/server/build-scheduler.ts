import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Clock } from '../core/clock.js';
import { TenantDirectory } from '../gateway/tenant-directory.js';
import { EtaEstimator, FairPolicy, FifoPolicy, Scheduler } from '../scheduler/index.js';
import type { TenantSettings } from '../scheduler/index.js';

/**
 * The scheduler as config describes it: the fair policy (or FIFO), tenant settings from config
 * and, when keys are checked, from each key's tenant record (through the directory), the ETA
 * estimator, and each backend's slots.
 */
export function buildScheduler(
  config: Config,
  clock: Clock,
  log: Logger,
): { scheduler: Scheduler; tenants: TenantDirectory } {
  const s = config.scheduler;
  const tenants = new TenantDirectory(
    s.tenants as Readonly<Record<string, TenantSettings>>,
    s.tenantDefaults as TenantSettings,
  );
  const policy =
    s.policy === 'fifo'
      ? new FifoPolicy()
      : new FairPolicy(
          {
            tenants: tenants.lookup,
            classes: s.priorities,
            defaultClass: s.defaultPriority,
            agingMs: s.agingMs,
          },
          clock,
        );
  const scheduler = new Scheduler(
    {
      maxQueued: s.maxQueued,
      maxQueuedPerModel: s.maxQueuedPerModel,
      minRetryAfterMs: s.retryAfterMs,
      policy,
      eta: new EtaEstimator(clock),
      onListenerError: (err) => log.warn({ err }, 'scheduler observer failed'),
    },
    clock,
  );
  for (const b of config.backends) {
    // Ollama does not report OLLAMA_NUM_PARALLEL over HTTP; until the fleet measures it, 'auto'
    // means Ollama's own default of one slot per model.
    scheduler.setBackendDefaultSlots(b.name, b.maxParallel === 'auto' ? 1 : b.maxParallel);
  }
  return { scheduler, tenants };
}
