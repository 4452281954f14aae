/**
 * A configuration problem is reported all at once, before the gateway binds a port: every bad key,
 * what was expected, and where the value came from, so one edit-and-retry fixes them all.
 */

/** One bad setting. */
export interface ConfigIssue {
  /** Dotted key such as `backends[0].url`; absent for problems with a whole file or variable. */
  readonly key?: string;
  /** Where the value came from: a file (`corral.yaml`, `corral.yaml:4:1`), `CORRAL_…`, `--flag`, or `default`. */
  readonly source: string;
  /** What was expected and what was given, e.g. `expected an http(s) URL, got "ftp://x"`. */
  readonly message: string;
}

/** `backends[0].url (corral.yaml): expected an http(s) URL, got "ftp://x"` */
export function formatConfigIssue(issue: ConfigIssue): string {
  return issue.key === undefined
    ? `${issue.source}: ${issue.message}`
    : `${issue.key} (${issue.source}): ${issue.message}`;
}

/**
 * Thrown by `loadConfig()`. The message is meant to be printed as is by the CLI, which then exits
 * non-zero; `issues` keeps the same content structured for tests and tools.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(
      `invalid configuration (${count}; see docs/configuration.md):\n` +
        issues.map((issue) => `  ${formatConfigIssue(issue)}`).join('\n'),
    );
    this.issues = Object.freeze([...issues]);
  }
}

export function isConfigError(value: unknown): value is ConfigError {
  return value instanceof ConfigError;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate a typo most likely meant, if any is close: same letters ignoring case and
 * `_`/`-` (`body_limit_bytes` → `bodyLimitBytes`, `CORRAL_SERVER_PORT` → `CORRAL_SERVER__PORT`),
 * a part of the name (`parallel` → `maxParallel`), or within a few edits.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const normalize = (text: string) => text.toLowerCase().replace(/[_-]/g, '');
  const exact = candidates.find((candidate) => normalize(candidate) === normalize(word));
  if (exact !== undefined) return exact;
  const containing =
    normalize(word).length >= 4 ? candidates.find((c) => normalize(c).includes(normalize(word))) : undefined;
  if (containing !== undefined) return containing;
  const limit = Math.max(2, Math.floor(word.length / 5));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(normalize(word), normalize(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
