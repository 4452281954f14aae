import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import * as z from 'zod';
import { loadConfig } from './load.js';
import { ConfigSchema } from './schema.js';
import { listEnvSettings, unwrapSchema } from './schema-walk.js';

// STYLE.md §3: a test parses every example config in the repository, so a shipped example can't
// drift from the schema (llama-swap's config_schema_test.go does the same).
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const isYaml = (name: string) => /\.ya?ml$/.test(name);
// Compose files and the like are not Corral configs.
const isOtherTool = (name: string) => /^(docker-)?compose\b|^\.|^pnpm-/.test(name);

function yamlFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && isYaml(entry.name) && !isOtherTool(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

const rootYaml = readdirSync(repoRoot, { withFileTypes: true })
  .filter((entry) => entry.isFile() && isYaml(entry.name) && !isOtherTool(entry.name))
  .map((entry) => join(repoRoot, entry.name));
const exampleFiles = [...rootYaml, ...yamlFilesUnder(join(repoRoot, 'examples'))];
const emptyCwd = mkdtempSync(join(tmpdir(), 'corral-examples-'));

describe('example configs', () => {
  it('include corral.example.yaml', () => {
    expect(exampleFiles).toContain(join(repoRoot, 'corral.example.yaml'));
  });

  it.each(exampleFiles.map((file) => [relative(repoRoot, file), file]))('%s loads', (_name, file) => {
    expect(() => loadConfig({ file, env: {}, cwd: emptyCwd })).not.toThrow();
  });

  it('corral.example.yaml sets every option to its default', () => {
    const file = join(repoRoot, 'corral.example.yaml');
    expect(loadConfig({ file, env: {}, cwd: emptyCwd })).toEqual(loadConfig({ env: {}, cwd: emptyCwd }));
  });

  it('corral.example.yaml writes out every option', () => {
    const raw: unknown = parse(readFileSync(join(repoRoot, 'corral.example.yaml'), 'utf8'));
    expect(missingKeys(ConfigSchema, raw, '')).toEqual([]);
  });
});

describe('docs/configuration.md', () => {
  const docs = readFileSync(join(repoRoot, 'docs/configuration.md'), 'utf8');

  it.each(listEnvSettings(ConfigSchema).map((setting) => [setting.name, setting.path.join('.')]))(
    'documents %s (%s)',
    (name, key) => {
      expect(docs).toContain(name);
      expect(docs).toContain(`\`${key}\``);
    },
  );
});

/** Keys the schema accepts that `raw` doesn't spell out, descending into objects and list items. */
function missingKeys(schema: z.core.$ZodType, raw: unknown, path: string): string[] {
  const inner = unwrapSchema(schema);
  if (inner instanceof z.ZodArray) {
    if (!Array.isArray(raw)) return [path];
    // An empty list of plain values spells the option out; a list of objects needs one to show its keys.
    if (raw.length === 0) return unwrapSchema(inner.element) instanceof z.ZodObject ? [`${path}[0]`] : [];
    return raw.flatMap((item: unknown, i) => missingKeys(inner.element, item, `${path}[${i}]`));
  }
  if (!(inner instanceof z.ZodObject)) return [];
  if (typeof raw !== 'object' || raw === null) return [path];
  const record = raw as Record<string, unknown>;
  return Object.entries(inner.shape as Record<string, z.core.$ZodType>).flatMap(([key, child]) => {
    const childPath = path === '' ? key : `${path}.${key}`;
    return key in record ? missingKeys(child, record[key], childPath) : [childPath];
  });
}
