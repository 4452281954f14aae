import { CorralError } from '../core/errors.js';
import type { Backend, CallContext, InstalledModel, LoadedModel } from '../core/ports.js';

/**
 * What the backends have installed and loaded, their version and model details: questions answered
 * straight from the backends, without the queue (Ollama's `/api/tags`, `/api/ps`, `/api/show`).
 */
export class ModelCatalog {
  readonly #backends: readonly Backend[];

  constructor(backends: readonly Backend[]) {
    this.#backends = backends;
  }

  /** Installed models of every backend, one entry per name (first backend wins). */
  async listModels(ctx: CallContext): Promise<InstalledModel[]> {
    const lists = await this.#fromAll((b) => b.listModels(ctx));
    return uniqueByName(lists.flat());
  }

  async listLoaded(ctx: CallContext): Promise<LoadedModel[]> {
    const lists = await this.#fromAll((b) => b.listLoaded(ctx));
    return lists.flat();
  }

  async version(ctx: CallContext): Promise<string> {
    return this.#first().version(ctx);
  }

  /** Details of a model from the first backend that has it. */
  async showModel(model: string, verbose: boolean, ctx: CallContext): Promise<Record<string, unknown>> {
    let lastError: unknown;
    for (const backend of this.#backends) {
      try {
        return await backend.showModel(model, verbose, ctx);
      } catch (err) {
        lastError = err;
        if (!(err instanceof CorralError && err.kind === 'not_found')) break;
      }
    }
    throw lastError ?? new CorralError('unavailable', 'no backend is configured');
  }

  #first(): Backend {
    const backend = this.#backends[0];
    if (!backend) throw new CorralError('unavailable', 'no backend is configured');
    return backend;
  }

  /** Asks every backend; fails only if all of them fail (with the first failure). */
  async #fromAll<T>(ask: (b: Backend) => Promise<T>): Promise<T[]> {
    const results = await Promise.allSettled(this.#backends.map(ask));
    const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.find((r) => r.status === 'rejected');
    if (ok.length === 0 && failed) throw failed.reason;
    return ok;
  }
}

function uniqueByName(models: InstalledModel[]): InstalledModel[] {
  const seen = new Map<string, InstalledModel>();
  for (const m of models) if (!seen.has(m.name)) seen.set(m.name, m);
  return [...seen.values()];
}
