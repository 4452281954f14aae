import type { NativeToolCall } from './contract.js';
import type { SimControl } from './control.js';
import {
  defaultLength,
  jsonReplyTokens,
  makeRng,
  proseStream,
  tokenize,
  toolCallId,
} from './generate-text.js';
import type { GenPlan } from './request-plan.js';
import { monoNs, Pacer, sleep, tokenIntervalMs, untilAborted } from './timing.js';
import type { PaceModel } from './timing.js';

/**
 * One generation on a granted slot: prompt evaluation, then thinking and content tokens paced by
 * the timing model, scripted faults, and the final metrics (§2.2). Yields protocol-neutral events;
 * the chat/generate encoders turn them into wire chunks. Returns early (no more events) as soon
 * as the signal aborts.
 */

export interface Metrics {
  total_duration: number;
  load_duration: number;
  prompt_eval_count: number;
  prompt_eval_duration: number;
  eval_count: number;
  eval_duration: number;
}

export type GenEvent =
  | { type: 'thinking'; text: string }
  | { type: 'content'; text: string }
  | { type: 'tool_calls'; calls: NativeToolCall[] }
  | { type: 'done'; doneReason: string; toolCalls: NativeToolCall[] | undefined; metrics: Metrics }
  | { type: 'error'; message: string };

export interface GenContext {
  id: string;
  signal: AbortSignal;
  control: SimControl;
  pace: PaceModel;
  promptTps: number;
  /** Busy slots of this model right now (for the slowdown model). */
  busySlots: () => number;
  startNs: number;
  loadNs: number;
}

interface Output {
  thinking: Iterable<string>;
  content: Iterable<string>;
  toolCalls: NativeToolCall[];
}

function planOutput(plan: GenPlan): Output {
  const rng = makeRng(plan.promptHash);
  const s = plan.script;
  let thinking: Iterable<string> = [];
  if (plan.thinking)
    thinking = s?.think
      ? tokenize(s.think)
      : proseStream(makeRng(plan.promptHash ^ 0x9e3779b9), 8 + Math.floor(rng() * 16));
  const toolCalls = (s?.toolCalls ?? []).map((c, index) => ({
    id: toolCallId(rng),
    function: { index, name: c.name, arguments: c.arguments },
  }));
  let content: Iterable<string>;
  if (s?.reply !== undefined) content = tokenize(s.reply);
  else if (s?.echo) content = tokenize(plan.lastUserText);
  else if (toolCalls.length > 0) content = [];
  else if (plan.format !== undefined && plan.format !== null && plan.format !== '')
    content = jsonReplyTokens(plan.format, rng);
  else content = proseStream(rng, s?.longTokens ?? defaultLength(rng));
  return { thinking, content, toolCalls };
}

/** The part of `token` that may be sent before a stop sequence, or undefined if none matched. */
function cutAtStop(sent: string, token: string, stops: string[]): string | undefined {
  if (stops.length === 0) return undefined;
  const text = sent + token;
  let cut: number | undefined;
  for (const stop of stops) {
    const at = text.indexOf(stop, Math.max(0, sent.length - stop.length + 1));
    if (at >= 0 && (cut === undefined || at < cut)) cut = at;
  }
  return cut === undefined ? undefined : text.slice(sent.length, Math.max(sent.length, cut));
}

export async function* runGeneration(plan: GenPlan, ctx: GenContext): AsyncGenerator<GenEvent> {
  const { signal } = ctx;
  const promptStart = monoNs();
  if (ctx.promptTps > 0 && !(await sleep((plan.promptTokens * 1000) / ctx.promptTps, signal))) return;
  const promptEvalNs = monoNs() - promptStart;
  const s = plan.script;
  if (s?.hold) {
    if (ctx.control.wants('request_held'))
      ctx.control.emit({ type: 'request_held', id: ctx.id, model: plan.model.name, label: s.hold.label });
    await ctx.control.hold(ctx.id, s.hold.label, signal);
  }
  if (s?.hang) await untilAborted(signal);
  if (signal.aborted) return;

  const evalStart = monoNs();
  const out = planOutput(plan);
  const budget = plan.numPredict < 0 ? Infinity : plan.numPredict;
  const failAt = s?.failAfter?.chunks ?? Infinity;
  const pacer = new Pacer();
  let chunks = 0;
  let evalCount = 0;
  let doneReason = 'stop';
  let sent = '';
  const interval = (): number => tokenIntervalMs(ctx.pace, ctx.busySlots(), s?.slowMs);

  generation: for (const [kind, tokens] of [
    ['thinking', out.thinking],
    ['content', out.content],
  ] as const) {
    for (const token of tokens) {
      if (evalCount >= budget) {
        doneReason = 'length';
        break generation;
      }
      if (chunks >= failAt) break generation;
      const paced = pacer.step(interval(), signal);
      if (!(paced === true || (paced !== false && (await paced)))) return;
      evalCount++;
      if (kind === 'content') {
        const beforeStop = cutAtStop(sent, token, plan.stop);
        if (beforeStop !== undefined) {
          if (beforeStop !== '') yield { type: 'content', text: beforeStop };
          break generation;
        }
        sent += token;
      }
      yield { type: kind, text: token };
      chunks++;
    }
  }
  const toolsFit = doneReason !== 'length' && out.toolCalls.length > 0;
  if (toolsFit && !s?.toolCallsOnFinal && chunks < failAt) {
    if (!(await pacer.step(interval(), signal))) return;
    evalCount += out.toolCalls.length * 8;
    yield { type: 'tool_calls', calls: out.toolCalls };
    chunks++;
  }
  if (s?.failAfter) {
    yield { type: 'error', message: s.failAfter.message };
    return;
  }
  const end = monoNs();
  yield {
    type: 'done',
    doneReason,
    toolCalls: toolsFit && s?.toolCallsOnFinal ? out.toolCalls : undefined,
    metrics: {
      // Real runs never measure exactly 0 ns; keep the fields present (omitempty would drop a 0).
      total_duration: Math.max(1, end - ctx.startNs),
      load_duration: ctx.loadNs,
      prompt_eval_count: plan.promptTokens,
      prompt_eval_duration: Math.max(1, promptEvalNs),
      eval_count: evalCount + (toolsFit && s?.toolCallsOnFinal ? out.toolCalls.length * 8 : 0),
      eval_duration: Math.max(1, end - evalStart),
    },
  };
}
