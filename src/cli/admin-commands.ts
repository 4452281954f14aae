import type { Command } from 'commander';
import type { ApiKey, Store, Team, Tenant, TenantLimits, TenantPatch, User } from '../core/store-port.js';
import { checkPriorityClass } from '../server/admin-routes.js';
import { parseUsageQuery, usageTableRows } from '../server/usage-query.js';
import type { Print, StoreFlags } from './store-command.js';
import {
  formatTable,
  formatTime,
  parseExpiry,
  parseLimit,
  parsePositive,
  splitList,
  withConfig,
  withStore,
} from './store-command.js';

/** Tenant flags shared by `tenants create` and `tenants update`. */
export interface TenantFlags {
  name?: string;
  weight?: number;
  priority?: string;
  models?: string;
  cloudFallback?: boolean;
  rpm?: number | null;
  concurrent?: number | null;
  tokensPerDay?: number | null;
  tokensPerMonth?: number | null;
}

export interface TeamFlags {
  name?: string;
}

export interface UserFlags {
  id?: string;
  team?: string;
}

export interface KeyFlags {
  tenant?: string;
  user?: string;
  label?: string;
  expires?: string;
  expiry?: boolean;
}

export interface UsageFlags {
  from?: string;
  to?: string;
  groupBy?: string;
}

function limitsOf(flags: TenantFlags): { [K in keyof TenantLimits]?: number | null } {
  const entries = {
    requestsPerMinute: flags.rpm,
    concurrent: flags.concurrent,
    tokensPerDay: flags.tokensPerDay,
    tokensPerMonth: flags.tokensPerMonth,
  };
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
}

function patchOf(flags: TenantFlags): TenantPatch {
  const limits = limitsOf(flags);
  return {
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(flags.weight === undefined ? {} : { weight: flags.weight }),
    ...(flags.priority === undefined ? {} : { priority: flags.priority }),
    ...(flags.models === undefined ? {} : { allowedModels: splitList(flags.models) }),
    ...(flags.cloudFallback === undefined ? {} : { cloudFallback: flags.cloudFallback }),
    ...(Object.keys(limits).length === 0 ? {} : { limits }),
  };
}

function tenantRows(tenants: readonly Tenant[]): string[] {
  const show = (n: number | undefined) => (n === undefined ? '-' : String(n));
  return formatTable([
    [
      'id',
      'name',
      'weight',
      'priority',
      'models',
      'cloud',
      'rpm',
      'concurrent',
      'tokens/day',
      'tokens/month',
    ],
    ...tenants.map((t) => [
      t.id,
      t.name,
      String(t.weight),
      t.priority,
      t.allowedModels.length === 0 ? '*' : t.allowedModels.join(','),
      t.cloudFallback ? 'yes' : 'no',
      show(t.limits.requestsPerMinute),
      show(t.limits.concurrent),
      show(t.limits.tokensPerDay),
      show(t.limits.tokensPerMonth),
    ]),
  ]);
}

function teamRows(teams: readonly Team[]): string[] {
  return formatTable([
    ['id', 'name', 'created'],
    ...teams.map((t) => [t.id, t.name, formatTime(t.createdAt)]),
  ]);
}

function userRows(users: readonly User[]): string[] {
  return formatTable([
    ['id', 'name', 'team', 'created'],
    ...users.map((u) => [u.id, u.name, u.teamId ?? '-', formatTime(u.createdAt)]),
  ]);
}

function keyRows(keys: readonly ApiKey[]): string[] {
  return formatTable([
    ['id', 'prefix', 'tenant', 'user', 'label', 'created', 'expires', 'revoked', 'last used'],
    ...keys.map((k) => [
      k.id,
      `${k.prefix}…`,
      k.tenantId,
      k.userId ?? '-',
      k.label,
      formatTime(k.createdAt),
      formatTime(k.expiresAt),
      formatTime(k.revokedAt),
      formatTime(k.lastUsedAt),
    ]),
  ]);
}

// The actions, callable with any store and printer (tests use them directly).

/** `priorityClasses` are the configured ones (`scheduler.priorities`); `--priority` must name one. */
export async function createTenant(
  store: Store,
  id: string,
  flags: TenantFlags,
  print: Print,
  priorityClasses: readonly string[],
): Promise<Tenant> {
  checkPriorityClass(flags.priority, priorityClasses);
  const patch = patchOf(flags);
  const limits = Object.fromEntries(Object.entries(patch.limits ?? {}).filter(([, v]) => v !== null));
  const tenant = await store.createTenant({ ...patch, id, name: flags.name ?? id, limits });
  tenantRows([tenant]).forEach(print);
  return tenant;
}

export async function updateTenant(
  store: Store,
  id: string,
  flags: TenantFlags,
  print: Print,
  priorityClasses: readonly string[],
): Promise<Tenant> {
  checkPriorityClass(flags.priority, priorityClasses);
  const tenant = await store.updateTenant(id, patchOf(flags));
  tenantRows([tenant]).forEach(print);
  return tenant;
}

/** A team is a slug like a tenant id (`ml`), so `users create --team ml` can name it. */
export async function createTeam(store: Store, id: string, flags: TeamFlags, print: Print): Promise<Team> {
  const team = await store.createTeam({ id, name: flags.name ?? id });
  teamRows([team]).forEach(print);
  return team;
}

/** Throws `not_found` (exit 1) when `--team` names no team: create it first with `teams create`. */
export async function createUser(store: Store, name: string, flags: UserFlags, print: Print): Promise<User> {
  const user = await store.createUser({
    name,
    ...(flags.id ? { id: flags.id } : {}),
    ...(flags.team ? { teamId: flags.team } : {}),
  });
  userRows([user]).forEach(print);
  return user;
}

/** Prints the plaintext key once, with a warning; it is not stored and cannot be shown again. */
export async function createKey(
  store: Store,
  flags: KeyFlags,
  print: Print,
  nowMs = Date.now(),
): Promise<string> {
  const created = await store.createKey({
    tenantId: flags.tenant ?? '',
    ...(flags.user === undefined ? {} : { userId: flags.user }),
    ...(flags.label === undefined ? {} : { label: flags.label }),
    ...(flags.expires === undefined ? {} : { expiresAt: parseExpiry(flags.expires, nowMs) }),
  });
  keyRows([created.key]).forEach(print);
  print('');
  print(created.plaintext);
  print('');
  print('This is the only time the key is shown: store it now. Corral keeps only its hash.');
  return created.plaintext;
}

export async function updateKey(store: Store, id: string, flags: KeyFlags, print: Print, nowMs = Date.now()) {
  const expiresAt =
    flags.expiry === false
      ? null
      : flags.expires === undefined
        ? undefined
        : parseExpiry(flags.expires, nowMs);
  const key = await store.updateKey(id, {
    ...(flags.label === undefined ? {} : { label: flags.label }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  });
  keyRows([key]).forEach(print);
}

export async function printUsage(store: Store, flags: UsageFlags, print: Print, nowMs = Date.now()) {
  const query = parseUsageQuery(flags, nowMs);
  const dims = Array.isArray(query.groupBy) ? query.groupBy : [];
  print(`usage from ${formatTime(query.from)} to ${formatTime(query.to)}`);
  formatTable(usageTableRows(await store.queryUsage(query), dims)).forEach(print);
}

const print: Print = (line) => console.log(line);

function tenantOptions(command: Command, forUpdate: boolean): Command {
  const limitHelp = forUpdate ? ' ("none" removes it)' : '';
  return command
    .option('--name <name>', 'display name')
    .option('--weight <n>', 'share of capacity relative to other tenants (default 1)', parsePositive)
    .option(
      '--priority <class>',
      'priority class, one of scheduler.priorities (by default interactive, default or batch)',
    )
    .option('--models <list>', 'comma-separated models it may use (empty: all)')
    .option('--cloud-fallback', 'may overflow to a cloud backend')
    .option('--no-cloud-fallback', 'may not overflow to a cloud backend')
    .option('--rpm <n>', `requests per minute${limitHelp}`, parseLimit)
    .option('--concurrent <n>', `requests at once${limitHelp}`, parseLimit)
    .option('--tokens-per-day <n>', `tokens per UTC day${limitHelp}`, parseLimit)
    .option('--tokens-per-month <n>', `tokens per calendar month${limitHelp}`, parseLimit);
}

/** `corral tenants|teams|users|keys|usage` — admin commands against the configured store. */
export function registerAdminCommands(program: Command): void {
  const tenants = program
    .command('tenants')
    .description('manage tenants (who shares the gateway, and their limits)');
  tenantOptions(withConfig(tenants.command('create <id>').description('create a tenant')), false).action(
    (id: string, flags: TenantFlags & StoreFlags) =>
      withStore(flags, (s, config) =>
        createTenant(s, id, flags, print, config.scheduler.priorities).then(() => undefined),
      ),
  );
  withConfig(tenants.command('list').description('list tenants')).action((flags: StoreFlags) =>
    withStore(flags, async (s) => tenantRows(await s.listTenants()).forEach(print)),
  );
  tenantOptions(withConfig(tenants.command('update <id>').description('change a tenant')), true).action(
    (id: string, flags: TenantFlags & StoreFlags) =>
      withStore(flags, (s, config) =>
        updateTenant(s, id, flags, print, config.scheduler.priorities).then(() => undefined),
      ),
  );

  const teams = program.command('teams').description('manage teams (groups of users)');
  withConfig(teams.command('create <id>').description('create a team'))
    .option('--name <name>', 'display name (default: the id)')
    .action((id: string, flags: TeamFlags & StoreFlags) =>
      withStore(flags, (s) => createTeam(s, id, flags, print).then(() => undefined)),
    );
  withConfig(teams.command('list').description('list teams')).action((flags: StoreFlags) =>
    withStore(flags, async (s) => teamRows(await s.listTeams()).forEach(print)),
  );

  const users = program.command('users').description('manage users (optional owners of keys)');
  withConfig(users.command('create <name>').description('create a user'))
    .option('--id <id>', 'user id (generated when absent)')
    .option('--team <id>', 'team the user belongs to (create it first with `corral teams create`)')
    .action((name: string, flags: UserFlags & StoreFlags) =>
      withStore(flags, (s) => createUser(s, name, flags, print).then(() => undefined)),
    );
  withConfig(users.command('list').description('list users'))
    .option('--team <id>', 'only this team')
    .action((flags: StoreFlags & { team?: string }) =>
      withStore(flags, async (s) =>
        userRows(await s.listUsers(flags.team ? { teamId: flags.team } : {})).forEach(print),
      ),
    );

  const keys = program.command('keys').description('manage API keys (shown once, stored as hashes)');
  withConfig(keys.command('create').description('create a key and print it once'))
    .requiredOption('--tenant <id>', 'tenant the key belongs to')
    .option('--user <id>', 'user who holds it')
    .option('--label <text>', 'what it is for')
    .option('--expires <when>', 'ISO date or duration from now (30d, 12h)')
    .action((flags: KeyFlags & StoreFlags) =>
      withStore(flags, (s) => createKey(s, flags, print).then(() => undefined)),
    );
  withConfig(keys.command('list').description('list keys (never the keys themselves)'))
    .option('--tenant <id>', 'only this tenant')
    .action((flags: StoreFlags & { tenant?: string }) =>
      withStore(flags, async (s) =>
        keyRows(await s.listKeys(flags.tenant ? { tenantId: flags.tenant } : {})).forEach(print),
      ),
    );
  withConfig(keys.command('revoke <id>').description('revoke a key at once')).action(
    (id: string, flags: StoreFlags) =>
      withStore(flags, async (s) => keyRows([await s.revokeKey(id)]).forEach(print)),
  );
  withConfig(keys.command('update <id>').description('change a key'))
    .option('--label <text>', 'new label')
    .option('--expires <when>', 'ISO date or duration from now (30d, 12h)')
    .option('--no-expiry', 'remove the expiry')
    .action((id: string, flags: KeyFlags & StoreFlags) =>
      withStore(flags, (s) => updateKey(s, id, flags, print)),
    );

  withConfig(program.command('usage').description('print usage as a table'))
    .option('--from <when>', 'start (ISO date or epoch ms; default 30 days ago)')
    .option('--to <when>', 'end, exclusive (default now)')
    .option('--group-by <dims>', 'comma-separated: tenant, model, day, key, backend, protocol, status')
    .action((flags: UsageFlags & StoreFlags) => withStore(flags, (s) => printUsage(s, flags, print)));
}
