import { describe, expect, it } from 'vitest';
import type { BackendView, FleetSnapshot } from '../core/fleet.js';
import { route } from './route.js';
import type { LiveLoad, RouteDecision } from './route.js';

function host(name: string, over: Partial<BackendView> = {}): BackendView {
  return {
    name,
    url: `http://${name}`,
    weight: 1,
    slotsPerModel: 1,
    maxLoadedModels: 3,
    circuit: 'closed',
    discovered: true,
    installed: ['a:latest', 'b:latest'],
    loaded: [],
    consecutiveFailures: 0,
    perf: {},
    ...over,
  };
}

const loaded = (...names: string[]) => names.map((name) => ({ name, expiresAt: '' }));

function fleet(...backends: BackendView[]): FleetSnapshot {
  return { atMs: 0, backends };
}

function live(
  running: Record<string, Record<string, number>> = {},
  queued: Record<string, number> = {},
): LiveLoad {
  return {
    running: new Map(Object.entries(running).map(([b, m]) => [b, new Map(Object.entries(m))])),
    queuedByModel: new Map(Object.entries(queued)),
  };
}

function listed(decision: RouteDecision): readonly string[] | string {
  return decision.type === 'route' ? decision.backends : decision.type;
}

interface Case {
  name: string;
  model?: string;
  hosts: BackendView[];
  load?: LiveLoad;
  exclude?: string[];
  expected: readonly string[] | string;
}

const cases: Case[] = [
  {
    name: 'only hosts that have the model installed',
    hosts: [host('h1', { installed: ['b:latest'] }), host('h2')],
    expected: ['h2'],
  },
  {
    name: 'a name without a tag matches :latest, case-insensitively',
    model: 'A',
    hosts: [host('h1')],
    expected: ['h1'],
  },
  {
    name: 'a host not yet discovered may have it (unknown is not absent)',
    hosts: [host('h1', { discovered: false, installed: [] })],
    expected: ['h1'],
  },
  {
    name: 'nobody has it: not_found',
    model: 'zzz',
    hosts: [host('h1'), host('h2')],
    expected: 'not_found',
  },
  {
    name: 'everyone with it is down: unavailable',
    hosts: [
      host('h1', { circuit: 'open' }),
      host('h2', { circuit: 'half_open' }),
      host('h3', { installed: [] }),
    ],
    expected: 'unavailable',
  },
  {
    name: 'excluded hosts (already failed for this request) are left out',
    hosts: [host('h1'), host('h2')],
    exclude: ['h1'],
    expected: ['h2'],
  },
  {
    name: 'the host with the model loaded wins over a cold one, which is not listed',
    hosts: [host('h1'), host('h2', { loaded: loaded('a:latest') })],
    expected: ['h2'],
  },
  {
    name: 'a model running on a host counts as loaded (loading) there',
    hosts: [host('h1'), host('h2')],
    load: live({ h2: { 'a:latest': 1 } }, {}),
    expected: ['h2'],
  },
  {
    name: 'loaded on both: the one with a free slot first (spreading)',
    hosts: [host('h1', { loaded: loaded('a:latest') }), host('h2', { loaded: loaded('a:latest') })],
    load: live({ h1: { 'a:latest': 1 } }),
    expected: ['h2', 'h1'],
  },
  {
    name: 'loaded on both, both free: the faster measured host first',
    hosts: [
      host('h1', { loaded: loaded('a:latest'), perf: { 'a:latest': { serviceMs: 900 } } }),
      host('h2', { loaded: loaded('a:latest'), perf: { 'a:latest': { serviceMs: 300 } } }),
    ],
    expected: ['h2', 'h1'],
  },
  {
    name: 'equal predictions: higher weight first, then name',
    hosts: [host('h1'), host('h2', { weight: 2 }), host('h0')],
    expected: ['h2', 'h0', 'h1'],
  },
  {
    name: 'nowhere loaded: a host with room before one that must evict a busy model',
    hosts: [host('h1', { maxLoadedModels: 1, loaded: loaded('b:latest') }), host('h2')],
    load: live({ h1: { 'b:latest': 1 } }),
    expected: ['h2', 'h1'],
  },
  {
    name: 'the loaded host is busy but frees soon: no switch of a cold host',
    hosts: [
      host('h1', { loaded: loaded('a:latest') }),
      host('h2', { maxLoadedModels: 1, loaded: loaded('b:latest') }),
    ],
    load: live({ h1: { 'a:latest': 1 } }),
    expected: ['h1'],
  },
  {
    name: 'a long queue on the loaded host justifies loading on a cold host',
    hosts: [
      host('h1', { loaded: loaded('a:latest') }),
      host('h2', { maxLoadedModels: 1, loaded: loaded('b:latest') }),
    ],
    load: live({ h1: { 'a:latest': 1 } }, { 'a:latest': 6 }),
    expected: ['h2', 'h1'],
  },
  {
    name: 'a measured fast load makes the cold host worth it sooner',
    hosts: [
      host('h1', { loaded: loaded('a:latest'), perf: { 'a:latest': { serviceMs: 1000 } } }),
      host('h2', { perf: { 'a:latest': { serviceMs: 1000, loadMs: 200 } } }),
    ],
    load: live({ h1: { 'a:latest': 1 } }),
    expected: ['h2', 'h1'],
  },
  {
    name: 'an empty model name goes to any healthy host (the upstream words the error)',
    model: '',
    hosts: [host('h1', { circuit: 'open' }), host('h2')],
    expected: ['h2'],
  },
];

describe('route', () => {
  it.each(cases)('$name', ({ model, hosts, load, exclude, expected }) => {
    const decision = route(
      { model: model ?? 'a', ...(exclude ? { exclude: new Set(exclude) } : {}) },
      fleet(...hosts),
      load ?? live(),
    );
    expect(listed(decision)).toEqual(expected);
  });

  it('explains its ranking with the predictions', () => {
    const decision = route({ model: 'a' }, fleet(host('h1', { loaded: loaded('a:latest') })), live());
    expect(decision).toMatchObject({
      type: 'route',
      candidates: [{ backend: 'h1', resident: true, freeSlots: 1, waitMs: 0, loadMs: 0 }],
    });
  });

  it('unavailable carries a retry-after', () => {
    const decision = route({ model: 'a' }, fleet(host('h1', { circuit: 'open' })), live());
    expect(decision).toEqual({ type: 'unavailable', model: 'a', retryAfterMs: 5000 });
  });

  it('prices an eviction at the victim’s measured service time, not a fixed guess', () => {
    const victimFast = host('h1', {
      maxLoadedModels: 1,
      loaded: loaded('b:latest'),
      perf: { 'b:latest': { serviceMs: 200 }, 'a:latest': { serviceMs: 300, loadMs: 400 } },
    });
    const decision = route({ model: 'a' }, fleet(victimFast), live({ h1: { 'b:latest': 1 } }));
    // load 400 + the running b request finishing (200) + a's own service (300).
    expect(decision).toMatchObject({ candidates: [{ backend: 'h1', evictsBusy: true, completionMs: 900 }] });
  });

  it('a model loaded with another num_ctx is not resident: the host at the asked size wins', () => {
    const small = host('h1', { loaded: [{ name: 'a:latest', expiresAt: '', contextLength: 4096 }] });
    const large = host('h2', { loaded: [{ name: 'a:latest', expiresAt: '', contextLength: 32768 }] });
    expect(listed(route({ model: 'a', numCtx: 32768 }, fleet(small, large), live()))).toEqual(['h2']);
    expect(listed(route({ model: 'a', numCtx: 4096 }, fleet(small, large), live()))).toEqual(['h1']);
    // A request that names no size uses either.
    expect(listed(route({ model: 'a' }, fleet(small, large), live()))).toEqual(['h1', 'h2']);
  });

  describe('conversation affinity', () => {
    const both = () => [
      host('h1', { loaded: loaded('a:latest') }),
      host('h2', { loaded: loaded('a:latest') }),
    ];

    it('prefers the host that served the conversation when both are free', () => {
      expect(listed(route({ model: 'a' }, fleet(...both()), live()))).toEqual(['h1', 'h2']);
      const decision = route({ model: 'a', affinity: 'h2', promptTokens: 2000 }, fleet(...both()), live());
      expect(listed(decision)).toEqual(['h2', 'h1']);
      expect(decision).toMatchObject({
        candidates: [{ backend: 'h2', affinityMs: 2000 }, { affinityMs: 0 }],
      });
    });

    it('gives it up when the wait there costs more than the cache saves', () => {
      const busy = live({ h2: { 'a:latest': 1 } });
      expect(
        listed(route({ model: 'a', affinity: 'h2', promptTokens: 100 }, fleet(...both()), busy)),
      ).toEqual(['h1', 'h2']);
    });

    it('saves nothing where the model is not resident any more', () => {
      const hosts = [host('h1', { loaded: loaded('a:latest') }), host('h2')];
      const decision = route({ model: 'a', affinity: 'h2', promptTokens: 50_000 }, fleet(...hosts), live());
      expect(listed(decision)).toEqual(['h1']);
    });
  });
});
