/**
 * Scripted replies (docs/sim.md). A directive is `[[sim:COMMAND ARGS]]` anywhere in the last user
 * message (or the `/api/generate` prompt), or in the `x-sim-script` header (where the brackets may
 * be omitted for a single command). Several directives combine; a later one of the same kind
 * wins, except `tool`/`tool_final`, which accumulate into parallel calls.
 *
 *   reply TEXT              exact reply text
 *   echo                    reply repeats the last user text (directives removed)
 *   think [TEXT]            force thinking output (TEXT, or generated), even if the request turned it off
 *   tool NAME [JSON]        one tool call; repeat for parallel calls; sent in a chunk before the final one
 *   tool_final NAME [JSON]  same, but all calls arrive on the final done chunk (§2.11 llama-server path)
 *   long N                  generate N tokens
 *   slow MS                 MS milliseconds per output token (overrides tps)
 *   fail_before STATUS [MESSAGE]  HTTP error before any output (§3.3)
 *   fail_after N [MESSAGE]  after N chunks, one `{"error":...}` line, status 200, no done line (§3.3)
 *   hang                    never produce output; ends only when the client goes away
 *   hold [LABEL]            wait for control.release(id or LABEL) / control.releaseAll() before output
 */

export interface ScriptToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

export interface SimScript {
  reply?: string;
  echo?: boolean;
  /** Forced thinking text; `''` means "generate some". */
  think?: string;
  toolCalls: ScriptToolCall[];
  /** True when any call came from `tool_final`: every call is then sent on the final chunk. */
  toolCallsOnFinal: boolean;
  longTokens?: number;
  slowMs?: number;
  failBefore?: { status: number; message: string };
  failAfter?: { chunks: number; message: string };
  hang?: boolean;
  hold?: { label: string | undefined };
}

export type ScriptParse = { ok: true; script: SimScript | undefined } | { ok: false; error: string };

export const scriptHeader = 'x-sim-script';
const marker = '[[sim:';
const directivePattern = /\[\[sim:([\s\S]*?)\]\]/g;

const defaultFailMessage = 'an error was encountered while running the model: simulated failure';

/** Removes every directive from a text (what `echo` repeats and what the prompt "sees"). */
export function stripDirectives(text: string): string {
  return text.includes(marker) ? text.replace(directivePattern, '').trim() : text;
}

/** The directive bodies found in a message text and in the header value. */
function collect(text: string | undefined, header: string | undefined): string[] {
  const bodies: string[] = [];
  for (const source of [header, text]) {
    if (!source) continue;
    if (!source.includes(marker)) {
      if (source === header && source.trim() !== '') bodies.push(source.trim());
      continue;
    }
    for (const m of source.matchAll(directivePattern)) bodies.push((m[1] ?? '').trim());
  }
  return bodies;
}

function nonNegativeInt(s: string | undefined): number | undefined {
  if (s === undefined || !/^\d+$/.test(s)) return undefined;
  return Number(s);
}

function parseToolCall(args: string): ScriptToolCall | string {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(args);
  if (!m?.[1]) return 'tool needs a function name';
  const json = (m[2] ?? '').trim();
  if (json === '') return { name: m[1], arguments: {} };
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return 'tool arguments must be a JSON object';
    return { name: m[1], arguments: parsed as Record<string, unknown> };
  } catch {
    return `tool arguments are not valid JSON: ${json}`;
  }
}

/** Applies one directive body to the script; returns an error text when it is malformed. */
function apply(script: SimScript, body: string): string | undefined {
  const m = /^([a-z_]+)(?:\s+([\s\S]*))?$/.exec(body);
  const command = m?.[1];
  const args = (m?.[2] ?? '').trim();
  const [first, ...rest] = args.split(/\s+/);
  const restText = args.slice((first ?? '').length).trim();
  switch (command) {
    case 'reply':
      script.reply = args;
      return undefined;
    case 'echo':
      script.echo = true;
      return undefined;
    case 'think':
      script.think = args;
      return undefined;
    case 'tool':
    case 'tool_final': {
      const call = parseToolCall(args);
      if (typeof call === 'string') return call;
      script.toolCalls.push(call);
      if (command === 'tool_final') script.toolCallsOnFinal = true;
      return undefined;
    }
    case 'long':
    case 'slow': {
      const n = nonNegativeInt(first);
      if (n === undefined || rest.length > 0) return `${command} needs one non-negative integer`;
      if (command === 'long') script.longTokens = n;
      else script.slowMs = n;
      return undefined;
    }
    case 'fail_before': {
      const status = nonNegativeInt(first);
      if (status === undefined || status < 400 || status > 599)
        return 'fail_before needs an HTTP status 400-599';
      script.failBefore = { status, message: restText || 'simulated failure' };
      return undefined;
    }
    case 'fail_after': {
      const chunks = nonNegativeInt(first);
      if (chunks === undefined) return 'fail_after needs a chunk count';
      script.failAfter = { chunks, message: restText || defaultFailMessage };
      return undefined;
    }
    case 'hang':
      script.hang = true;
      return undefined;
    case 'hold':
      script.hold = { label: first || undefined };
      return undefined;
    default:
      return `unknown directive ${JSON.stringify(command ?? body)}`;
  }
}

/**
 * Parses the directives of one request. `undefined` script = none present (the common case, which
 * costs one `includes` per source).
 */
export function parseScript(text: string | undefined, header: string | undefined): ScriptParse {
  if (!header && !text?.includes(marker)) return { ok: true, script: undefined };
  const bodies = collect(text, header);
  if (bodies.length === 0) return { ok: true, script: undefined };
  const script: SimScript = { toolCalls: [], toolCallsOnFinal: false };
  for (const body of bodies) {
    const error = apply(script, body);
    if (error !== undefined) return { ok: false, error: `invalid sim directive [[sim:${body}]]: ${error}` };
  }
  return { ok: true, script };
}
