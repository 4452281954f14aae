import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { CorralError } from '../core/errors.js';
import type { Store } from '../core/store-port.js';
import { ollamaErrorFor } from '../protocols/ollama/index.js';
import { adminCheck, requireAdmin } from './auth.js';
import { parseJsonBody } from './json-body.js';
import { apiKeyOf } from './request-meta.js';
import { parseUsageQuery } from './usage-query.js';
import { renderErrorsWith } from './protocol-errors.js';

const limit = z.int().min(0);
const LimitsSchema = z.strictObject({
  requestsPerMinute: limit.optional(),
  concurrent: limit.optional(),
  tokensPerDay: limit.optional(),
  tokensPerMonth: limit.optional(),
});
const TenantFields = {
  name: z.string().min(1),
  weight: z.number().positive(),
  priority: z.string().min(1),
  allowedModels: z.array(z.string().min(1)),
  cloudFallback: z.boolean(),
};
const TenantInputSchema = z.strictObject({
  id: z.string().min(1).optional(),
  ...TenantFields,
  weight: TenantFields.weight.optional(),
  priority: TenantFields.priority.optional(),
  allowedModels: TenantFields.allowedModels.optional(),
  cloudFallback: TenantFields.cloudFallback.optional(),
  limits: LimitsSchema.optional(),
});
const TenantPatchSchema = z.strictObject({
  ...z.strictObject(TenantFields).partial().shape,
  limits: z
    .strictObject({
      requestsPerMinute: limit.nullable().optional(),
      concurrent: limit.nullable().optional(),
      tokensPerDay: limit.nullable().optional(),
      tokensPerMonth: limit.nullable().optional(),
    })
    .optional(),
});
const TeamInputSchema = z.strictObject({
  id: z.string().min(1).optional(),
  name: z.string().min(1),
});
const UserInputSchema = z.strictObject({
  id: z.string().min(1).optional(),
  name: z.string().min(1),
  teamId: z.string().min(1).optional(),
});
const KeyInputSchema = z.strictObject({
  tenantId: z.string().min(1),
  userId: z.string().min(1).optional(),
  label: z.string().optional(),
  expiresAt: z.int().positive().optional(),
});
const KeyPatchSchema = z.strictObject({
  label: z.string().optional(),
  expiresAt: z.int().positive().nullable().optional(),
});

/** Validates a JSON body; a mistake is a 400 naming the field. */
function bodyOf<T>(schema: z.ZodType<T>, request: FastifyRequest): T {
  const parsed = schema.safeParse(parseJsonBody(request.body));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new CorralError('invalid_request', `${where}${issue?.message ?? 'invalid body'}`);
}

/**
 * Refuses a tenant priority that names no configured class (`scheduler.priorities`). The
 * scheduler would quietly run such a tenant in the default class, which is not what the admin
 * asked for: say so when the record is written, not when a request waits longer than expected.
 * Shared by the admin API and `corral tenants`.
 */
export function checkPriorityClass(name: string | undefined, classes: readonly string[]): void {
  if (name === undefined || classes.includes(name)) return;
  throw new CorralError(
    'invalid_request',
    `priority '${name}' is not a configured class: use one of ${classes.join(', ')} (scheduler.priorities)`,
    { param: 'priority' },
  );
}

/** Drops keys whose value is undefined (the store's inputs are exact optional types). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export interface AdminRouteOptions {
  store: Store;
  adminKey: string;
  /** The configured priority classes (`scheduler.priorities`), highest first. */
  priorityClasses: readonly string[];
}

/**
 * `/api/admin/…`: tenants, teams, users and keys over HTTP, for the admin key only (registered
 * only when `auth.adminKey` is set, so without it these paths are 404). Errors in Ollama's
 * `{error}` shape. A created key's plaintext is in the response body once and nowhere else (not
 * in any log). A tenant's priority must be a configured class (`checkPriorityClass`).
 */
export async function adminRoutes(app: FastifyInstance, opts: AdminRouteOptions): Promise<void> {
  const { store, adminKey, priorityClasses } = opts;
  renderErrorsWith(app, (error) => ollamaErrorFor(error));
  app.addHook('onRequest', async (request) => requireAdmin(request, adminKey));

  app.get('/api/admin/tenants', async () => ({ tenants: await store.listTenants() }));
  app.post('/api/admin/tenants', async (request, reply) => {
    const input = bodyOf(TenantInputSchema, request);
    checkPriorityClass(input.priority, priorityClasses);
    const tenant = await store.createTenant(defined(input));
    return reply.status(201).send(tenant);
  });
  app.patch<{ Params: { id: string } }>('/api/admin/tenants/:id', async (request) => {
    const patch = bodyOf(TenantPatchSchema, request);
    checkPriorityClass(patch.priority, priorityClasses);
    return store.updateTenant(request.params.id, defined(patch));
  });

  app.get('/api/admin/teams', async () => ({ teams: await store.listTeams() }));
  app.post('/api/admin/teams', async (request, reply) => {
    const team = await store.createTeam(defined(bodyOf(TeamInputSchema, request)));
    return reply.status(201).send(team);
  });

  app.get('/api/admin/users', async () => ({ users: await store.listUsers() }));
  app.post('/api/admin/users', async (request, reply) => {
    const user = await store.createUser(defined(bodyOf(UserInputSchema, request)));
    return reply.status(201).send(user);
  });

  app.get<{ Querystring: { tenantId?: string } }>('/api/admin/keys', async (request) => ({
    keys: await store.listKeys(defined({ tenantId: request.query.tenantId })),
  }));
  app.post('/api/admin/keys', async (request, reply) => {
    const created = await store.createKey(defined(bodyOf(KeyInputSchema, request)));
    return reply.status(201).header('cache-control', 'no-store').send(created);
  });
  app.patch<{ Params: { id: string } }>('/api/admin/keys/:id', async (request) =>
    store.updateKey(request.params.id, defined(bodyOf(KeyPatchSchema, request))),
  );
  app.delete<{ Params: { id: string } }>('/api/admin/keys/:id', async (request) =>
    store.revokeKey(request.params.id),
  );
}

export interface UsageRouteOptions {
  store: Store;
  authMode: 'open' | 'keys';
  adminKey: string | undefined;
  now: () => number;
}

/**
 * `GET /api/usage?from=&to=&groupBy=`: the admin key sees every tenant; in keys mode an API key
 * sees its own tenant only; in open mode everyone sees everything (there is no secret to check).
 */
export async function usageRoutes(app: FastifyInstance, opts: UsageRouteOptions): Promise<void> {
  const { store } = opts;
  renderErrorsWith(app, (error) => ollamaErrorFor(error));

  app.get<{ Querystring: { from?: string; to?: string; groupBy?: string } }>(
    '/api/usage',
    async (request) => {
      const query = parseUsageQuery(request.query, opts.now());
      const tenantId = await visibleTenant(request, opts);
      const groups = await store.queryUsage({ ...query, ...(tenantId === undefined ? {} : { tenantId }) });
      return {
        from: query.from,
        to: query.to,
        groupBy: query.groupBy,
        ...(tenantId ? { tenantId } : {}),
        groups,
      };
    },
  );
}

/** The tenant a caller may see, or undefined for everything. */
async function visibleTenant(request: FastifyRequest, opts: UsageRouteOptions): Promise<string | undefined> {
  if (opts.adminKey !== undefined && adminCheck(request, opts.adminKey) === 'admin') return undefined;
  if (opts.authMode === 'open') return undefined;
  const key = apiKeyOf(request);
  if (key === undefined) throw new CorralError('authentication', 'an API key or the admin key is required');
  const verified = await opts.store.verifyKey(key);
  if (verified === undefined) throw new CorralError('authentication', 'invalid, revoked or expired API key');
  return verified.tenant.id;
}
