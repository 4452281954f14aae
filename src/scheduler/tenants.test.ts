// Issue 7 audit: a tenant ceiling naming no configured class used to resolve to rank 0, so a key
// whose tenant record said `priority: urgent` (a typo, or a class since renamed) ran above
// everyone. It must count as the default class instead.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { FairPolicy } from './fair-policy.js';
import { Scheduler } from './scheduler.js';
import type { TenantSettings } from './tenants.js';
import { PriorityClasses } from './tenants.js';
import { job } from './test-helpers.js';

describe('PriorityClasses.resolve', () => {
  const classes = new PriorityClasses(['interactive', 'default', 'batch'], 'default');

  it('reads a missing ceiling as every class and a known one as its rank', () => {
    expect(classes.resolve({}).maxRank).toBe(0);
    expect(classes.resolve({ maxPriority: 'batch' }).maxRank).toBe(2);
  });

  it('reads an unknown ceiling as the default class, never the top one', () => {
    const tenant = classes.resolve({ maxPriority: 'urgent' });
    expect(tenant.maxRank).toBe(classes.defaultRank);
    expect(tenant.defaultRank).toBe(classes.defaultRank);
    // A hint above the default class is clamped down to it.
    expect(classes.effectiveRank('interactive', tenant)).toBe(classes.defaultRank);
    expect(classes.effectiveRank('batch', tenant)).toBe(2);
  });

  it('uses the configured default class, whatever it is called', () => {
    const custom = new PriorityClasses(['high', 'normal', 'low'], 'low');
    expect(custom.resolve({ maxPriority: 'interactive' }).maxRank).toBe(2);
  });
});

describe('FairPolicy with an unknown tenant ceiling', () => {
  it('queues its interactive hint with the default class, behind a real interactive request', () => {
    const clock = new ManualClock(0);
    const tenants: Record<string, TenantSettings> = { typo: { maxPriority: 'urgent' } };
    const scheduler = new Scheduler(
      { policy: new FairPolicy({ tenants: (t) => tenants[t] ?? {} }, clock) },
      clock,
    );
    scheduler.submit(job('running', { tenant: 'first' }));
    scheduler.submit(job('typo', { tenant: 'typo', priority: 'interactive' }));
    scheduler.submit(job('urgent', { tenant: 'other', priority: 'interactive' }));
    expect(scheduler.get('urgent')?.position).toBe(1);
    expect(scheduler.get('typo')?.position).toBe(2);
    expect(scheduler.finish('running', 'done')[0]?.jobId).toBe('urgent');
  });
});
