import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../core/store-port.js';
import { applyMigrations } from '../migrations/apply-migrations.js';
import { migrations } from '../migrations/migrations.js';
import { openStore } from '../open-store.js';
import { SqliteDb } from './sqlite-db.js';
import { describeStore, usageRow, T0 } from '../store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'corral-sqlite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const paths = new WeakMap<Store, string>();
let counter = 0;

async function openAt(path: string): Promise<Store> {
  const store = await openStore({ kind: 'sqlite', path });
  paths.set(store, path);
  return store;
}

describeStore(
  'sqlite',
  // A nested, not yet existing directory: the store creates it on first open.
  () => openAt(join(root, `db-${++counter}`, 'data', 'corral.db')),
  (closed) => openAt(paths.get(closed) ?? ''),
);

describe('sqlite store', () => {
  it('creates its file and directory on first open', async () => {
    const path = join(root, 'first', 'nested', 'corral.db');
    const store = await openAt(path);
    expect(existsSync(path)).toBe(true);
    await store.close();
    await store.close(); // idempotent
  });

  it('applies each migration once, and a failing one not at all', async () => {
    const db = new SqliteDb({ path: join(root, 'migrations', 'corral.db') });
    try {
      expect(await applyMigrations(db, T0)).toEqual(migrations.map((m) => m.version));
      expect(await applyMigrations(db, T0)).toEqual([]);
      const broken = [
        ...migrations,
        {
          version: 99,
          name: 'broken',
          sqlite: 'CREATE TABLE extra (x INTEGER); SELEC nonsense',
          postgres: '',
        },
      ];
      await expect(applyMigrations(db, T0, broken)).rejects.toThrow();
      expect(await db.query("SELECT name FROM sqlite_master WHERE name = 'extra'")).toEqual([]);
      const versions = await db.query('SELECT version FROM schema_migrations ORDER BY version');
      expect(versions.map((row) => row['version'])).toEqual(migrations.map((m) => m.version));
    } finally {
      await db.close();
    }
  });

  it('keeps prompt text only with the audit option', async () => {
    const store = await openStore({ kind: 'sqlite', path: join(root, 'audit', 'corral.db'), audit: true });
    await store.recordUsage(usageRow({ requestId: 'r1', auditText: 'hello' }));
    expect((await store.listUsage({ from: T0, to: T0 + 1 }))[0]?.auditText).toBe('hello');
    await store.close();
  });

  /**
   * Crash safety: a child records usage rows and prints "ok <n>" after each commit; it is
   * SIGKILLed mid-way. Every row it reported must be there after reopening.
   */
  it('keeps every committed usage row when the process is killed', async () => {
    const path = join(root, 'crash', 'corral.db');
    const fixture = fileURLToPath(new URL('./crash-writer.fixture.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const reported: number[] = [];
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^ok (\d+)$/.exec(line);
        if (match?.[1] !== undefined) reported.push(Number(match[1]));
      }
      if (reported.length >= 200) child.kill('SIGKILL');
    });
    const signal = await exited;
    expect(signal, `child exited on its own: ${stderr}`).toBe('SIGKILL');

    const store = await openAt(path);
    const rows = await store.listUsage({ from: 0, to: Number.MAX_SAFE_INTEGER, limit: 100_000 });
    const present = new Set(rows.map((r) => r.requestId));
    expect(reported.length).toBeGreaterThanOrEqual(200);
    expect(reported.filter((n) => !present.has(`crash-${n}`))).toEqual([]);
    await store.close();
  }, 30_000);
});
