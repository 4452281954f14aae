/**
 * The request fields around the conversation: `tools`, `tool_choice`, `thinking` with
 * `output_config.effort`, `output_config.format`, and sampling (client-apis.md §A.2, §A.4, §A.5,
 * §C.1, §C.7).
 */
import type { Sampling, ThinkSetting, ToolChoice, ToolDefinition } from '../../core/chat.js';
import type { JsonRecord } from './wire-read.js';
import {
  at,
  invalid,
  optArray,
  optInt,
  optNumber,
  optObject,
  optString,
  reqObject,
  reqType,
  wrongType,
} from './wire-read.js';

/**
 * Client tools (`type` absent or `custom`) become canonical tools; `defer_loading` tools are
 * passed as normal tools (real-clients.md), and `strict`, `input_examples`, `cache_control` are
 * dropped. Server tools (`web_search_20250305`, `bash_20250124`, … — a `type` and no
 * `input_schema`) are dropped: a local model cannot run them and the gateway does not emulate
 * them (§A.4), and refusing them would break clients that always send them.
 */
export function decodeTools(body: JsonRecord): ToolDefinition[] {
  const tools = optArray(body, 'tools', '') ?? [];
  return tools.flatMap((raw, index) => decodeTool(raw, at('tools', index)));
}

function decodeTool(raw: unknown, path: string): ToolDefinition[] {
  const tool = reqObject(raw, path);
  const type = optString(tool, 'type', path);
  if (type === 'function') {
    throw invalid(
      path,
      'this is an OpenAI-style tool; Anthropic tools are {"name", "description", "input_schema"}',
    );
  }
  const schema = optObject(tool, 'input_schema', path);
  if (type !== undefined && type !== 'custom' && schema === undefined) return [];
  const name = optString(tool, 'name', path);
  if (name === undefined || name === '') throw invalid(at(path, 'name'), 'Field required');
  if (schema === undefined) throw invalid(at(path, 'input_schema'), 'Field required');
  const description = optString(tool, 'description', path);
  return [
    description === undefined ? { name, inputSchema: schema } : { name, description, inputSchema: schema },
  ];
}

/** Ollama cannot enforce a choice; the Ollama encoder documents what it does with each (§C.1). */
export function decodeToolChoice(body: JsonRecord): ToolChoice | undefined {
  const choice = optObject(body, 'tool_choice', '');
  if (choice === undefined) return undefined;
  const type = reqType(choice, 'tool_choice');
  switch (type) {
    case 'auto':
    case 'any':
    case 'none':
      return { type };
    case 'tool': {
      const name = optString(choice, 'name', 'tool_choice');
      if (name === undefined || name === '') throw invalid('tool_choice.name', 'Field required');
      return { type: 'tool', name };
    }
    default:
      throw invalid(
        'tool_choice.type',
        `expected 'auto', 'any', 'tool' or 'none', got ${JSON.stringify(type)}`,
      );
  }
}

const EFFORT: Record<string, ThinkSetting> = {
  low: 'low',
  medium: 'medium',
  high: 'high',
  // Ollama has no level above high but `max` (0.22+); xhigh rounds down as Ollama's own layer does.
  xhigh: 'high',
  max: 'max',
};

/**
 * `enabled`, `adaptive` and `between_tools` → thinking on, at the `output_config.effort` level
 * when one is given (the budget cannot be enforced); `disabled` → off; absent → **off**, to match
 * Anthropic's semantics, since Ollama otherwise thinks by default on capable models (§C.7).
 */
export function decodeThink(body: JsonRecord): ThinkSetting {
  const thinking = optObject(body, 'thinking', '');
  if (thinking === undefined) return false;
  const type = reqType(thinking, 'thinking');
  if (type === 'disabled') return false;
  if (!['enabled', 'adaptive', 'between_tools'].includes(type)) {
    throw invalid(
      'thinking.type',
      `expected 'enabled', 'adaptive' or 'disabled', got ${JSON.stringify(type)}`,
    );
  }
  optInt(thinking, 'budget_tokens', 'thinking');
  const config = optObject(body, 'output_config', '');
  const effort = config === undefined ? undefined : optString(config, 'effort', 'output_config');
  if (effort === undefined) return true;
  const level = EFFORT[effort];
  if (level === undefined) {
    throw invalid(
      'output_config.effort',
      `expected 'low', 'medium', 'high', 'xhigh' or 'max', got ${JSON.stringify(effort)}`,
    );
  }
  return level;
}

/** `output_config.format` (or the older beta `output_format`) `{type:"json_schema", schema}` → `format`. */
export function decodeFormat(body: JsonRecord): Record<string, unknown> | undefined {
  const config = optObject(body, 'output_config', '');
  const path = config?.['format'] !== undefined ? 'output_config.format' : 'output_format';
  const format = config?.['format'] ?? body['output_format'];
  if (format === undefined || format === null) return undefined;
  const record = reqObject(format, path);
  const type = reqType(record, path);
  if (type !== 'json_schema')
    throw invalid(at(path, 'type'), `expected 'json_schema', got ${JSON.stringify(type)}`);
  const schema = optObject(record, 'schema', path);
  if (schema === undefined) throw invalid(at(path, 'schema'), 'Field required');
  return schema;
}

/**
 * temperature/top_p/top_k are sent only when present (no invented defaults, §C.1); SDK 1.x
 * removed them from its types but callers can still send them (§0).
 */
export function decodeSampling(body: JsonRecord): Sampling {
  const sampling: Sampling = {};
  const temperature = optNumber(body, 'temperature', '');
  if (temperature !== undefined) sampling.temperature = temperature;
  const topP = optNumber(body, 'top_p', '');
  if (topP !== undefined) sampling.topP = topP;
  const topK = optInt(body, 'top_k', '');
  if (topK !== undefined) sampling.topK = topK;
  const stop = optArray(body, 'stop_sequences', '');
  if (stop !== undefined && stop.length > 0) {
    sampling.stop = stop.map((entry, index) => {
      if (typeof entry !== 'string') throw wrongType(at('stop_sequences', index), 'a string', entry);
      return entry;
    });
  }
  return sampling;
}
