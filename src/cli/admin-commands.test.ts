import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorralError } from '../core/errors.js';
import type { Store } from '../core/store-port.js';
import { openStore } from '../store/open-store.js';
import {
  createKey,
  createTeam,
  createTenant,
  createUser,
  printUsage,
  updateKey,
  updateTenant,
} from './admin-commands.js';

const dir = mkdtempSync(join(tmpdir(), 'corral-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const CLASSES = ['interactive', 'default', 'batch'];

describe('admin commands', () => {
  let store: Store;
  let out: string[];
  const print = (line: string) => out.push(line);
  let n = 0;
  beforeEach(async () => {
    store = await openStore({ kind: 'sqlite', path: join(dir, `db-${++n}.db`) });
    out = [];
  });
  afterEach(() => store.close());

  it('creates, updates and removes tenant limits', async () => {
    await createTenant(
      store,
      'acme',
      { weight: 2, priority: 'batch', models: 'llama3.2, qwen3', rpm: 10 },
      print,
      CLASSES,
    );
    expect(out.join('\n')).toMatch(/acme\s+acme\s+2\s+batch\s+llama3.2,qwen3\s+no\s+10/);
    const tenant = await updateTenant(
      store,
      'acme',
      { rpm: null, tokensPerDay: 1000, cloudFallback: true },
      print,
      CLASSES,
    );
    expect(tenant).toMatchObject({
      weight: 2,
      cloudFallback: true,
      limits: { tokensPerDay: 1000 },
      allowedModels: ['llama3.2', 'qwen3'],
    });
    expect(tenant.limits.requestsPerMinute).toBeUndefined();
  });

  it('refuses a priority that is not a configured class, naming the classes, and writes nothing', async () => {
    const refused = await createTenant(store, 'acme', { priority: 'urgent' }, print, CLASSES).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(CorralError);
    expect((refused as CorralError).message).toBe(
      "priority 'urgent' is not a configured class: use one of interactive, default, batch (scheduler.priorities)",
    );
    expect(await store.listTenants()).toEqual([]);

    // The configured classes decide, not the built-in names.
    await createTenant(store, 'acme', { priority: 'low' }, print, ['high', 'low']);
    await expect(updateTenant(store, 'acme', { priority: 'batch' }, print, ['high', 'low'])).rejects.toThrow(
      /use one of high, low/,
    );
    expect((await store.getTenant('acme'))?.priority).toBe('low');
  });

  it('creates a team and a user in it; an unknown team is not_found', async () => {
    await createTeam(store, 'ml', { name: 'Machine learning' }, print);
    expect(out.join('\n')).toMatch(/ml\s+Machine learning/);
    const bob = await createUser(store, 'Bob', { team: 'ml' }, print);
    expect(bob).toMatchObject({ name: 'Bob', teamId: 'ml' });
    expect(await store.listUsers({ teamId: 'ml' })).toEqual([bob]);
    expect(await store.listTeams()).toMatchObject([{ id: 'ml', name: 'Machine learning' }]);
    await expect(createUser(store, 'Eve', { team: 'nope' }, print)).rejects.toMatchObject({
      kind: 'not_found',
    });
  });

  it('prints a new key once, and the key verifies until revoked; list output never holds it', async () => {
    await createTenant(store, 'acme', {}, print, CLASSES);
    out = [];
    const plaintext = await createKey(store, { tenant: 'acme', label: 'ci', expires: '30d' }, print, T0);
    expect(out.filter((line) => line.includes(plaintext))).toEqual([plaintext]);
    const [key] = await store.listKeys();
    expect(key?.expiresAt).toBe(T0 + 30 * 86_400_000);
    await updateKey(store, key?.id ?? '', { expiry: false, label: 'renamed' }, print);
    expect(await store.getKey(key?.id ?? '')).toMatchObject({ label: 'renamed' });
    expect((await store.verifyKey(plaintext))?.tenant.id).toBe('acme');
    await store.revokeKey(key?.id ?? '');
    expect(await store.verifyKey(plaintext)).toBeUndefined();
  });

  it('prints usage grouped by tenant and day', async () => {
    for (const [i, tenantId] of ['acme', 'acme', 'beta'].entries()) {
      await store.recordUsage({
        requestId: `r${i}`,
        tenantId,
        model: 'llama3.2',
        backend: 'gpu-1',
        isCloud: false,
        protocol: 'openai',
        inputTokens: 10,
        outputTokens: 5,
        queueWaitMs: 1,
        processingMs: 2,
        status: 'ok',
        cancelled: false,
        finishedAt: T0,
      });
    }
    await printUsage(store, { groupBy: 'tenant,day', from: '2026-11-25', to: '2026-11-26' }, print, T0);
    expect(out[1]).toMatch(/^tenant\s+day\s+requests\s+input\s+output/);
    expect(out.slice(2)).toEqual([
      expect.stringMatching(/^acme\s+2026-11-25\s+2\s+20\s+10/),
      expect.stringMatching(/^beta\s+2026-11-25\s+1\s+10\s+5/),
    ]);
  });
});

describe('corral admin commands (process)', () => {
  const run = promisify(execFile);
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));

  it('keys work against the store named by the environment, as serve does', async () => {
    const env = { ...process.env, CORRAL_STORE__PATH: join(dir, 'cli', 'corral.db') };
    const corral = (...args: string[]) => run(process.execPath, ['--import', 'tsx', main, ...args], { env });
    await corral('tenants', 'create', 'acme', '--rpm', '5');
    const created = await corral('keys', 'create', '--tenant', 'acme', '--label', 'laptop');
    const plaintext = /^(crl_\S+)$/m.exec(created.stdout)?.[1];
    expect(plaintext).toBeDefined();
    const listed = await corral('keys', 'list');
    expect(listed.stdout).toContain('laptop');
    expect(listed.stdout).not.toContain(plaintext);
    const missing = await corral('keys', 'create', '--tenant', 'nobody').catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/^corral: .*nobody/) });
  }, 60_000);

  it('creates a team, then `users create NAME --team T` puts the user in it', async () => {
    const env = { ...process.env, CORRAL_STORE__PATH: join(dir, 'cli-teams', 'corral.db') };
    const corral = (...args: string[]) => run(process.execPath, ['--import', 'tsx', main, ...args], { env });
    const failure = (e: { code: number; stderr: string }) => e;

    // Before the team exists the user cannot join it.
    expect(await corral('users', 'create', 'Bob', '--team', 'ml').catch(failure)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^corral: team ml not found/),
    });
    await corral('teams', 'create', 'ml', '--name', 'Machine learning');
    expect((await corral('teams', 'list')).stdout).toMatch(/^ml\s+Machine learning\s/m);
    expect((await corral('users', 'create', 'Bob', '--id', 'bob', '--team', 'ml')).stdout).toMatch(
      /^bob\s+Bob\s+ml\s/m,
    );
    expect((await corral('users', 'list', '--team', 'ml')).stdout).toMatch(/^bob\s+Bob\s+ml\s/m);

    expect(await corral('tenants', 'create', 'acme', '--priority', 'urgent').catch(failure)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /^corral: priority 'urgent' is not a configured class: use one of interactive, default, batch/,
      ),
    });
  }, 60_000);
});
