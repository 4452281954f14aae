/**
 * A small terminal chat on `corral/client`: keeps the conversation, lets the model roll dice (a
 * toy tool), shows the queue position with an ETA counting down while the request waits, then
 * streams the answer.
 *
 *   npm run demo                         # in another terminal: gateway + emulated Ollama
 *   npx tsx examples/chat/chat.ts        # talks to http://127.0.0.1:11435, model llama3.2
 *
 * Provider and model come from config like any app's (examples/chat/README.md): API_PROVIDER,
 * API_CORRAL_URL, API_OLLAMA_URL, API_OLLAMA_MODEL, API_MODEL, API_KEY, or a `--config` YAML file.
 * Against the emulator, `[[sim:tool roll_dice {"sides":20}]]` in a message makes it call the tool.
 */
import { createInterface } from 'node:readline/promises';
import { createBridge, loadBridgeConfig } from '../../src/client/index.js';
import type { BridgeMessage, BridgeTool, QueueNotice } from '../../src/client/index.js';
import { QueueLine } from './queue-line.js';

const SYSTEM = 'You are a friendly assistant in a terminal chat. Use roll_dice when asked to roll.';
const MAX_TOOL_ROUNDS = 3;

const tools: BridgeTool[] = [
  {
    name: 'roll_dice',
    description: 'Roll a die with the given number of sides and return the result.',
    input_schema: {
      type: 'object',
      properties: { sides: { type: 'integer', minimum: 2 } },
      required: ['sides'],
    },
  },
];

function rollDice(input: Record<string, unknown>): string {
  const sides = typeof input['sides'] === 'number' && input['sides'] >= 2 ? Math.floor(input['sides']) : 6;
  return String(1 + Math.floor(Math.random() * sides));
}

function configFile(argv: string[]): string | undefined {
  const at = argv.indexOf('--config');
  return at === -1 ? undefined : argv[at + 1];
}

const config = loadBridgeConfig({
  file: configFile(process.argv),
  overrideFile: 'config.local.yml',
  env: { API_PROVIDER: 'corral', ...process.env },
});
const bridge = createBridge(config, { headers: { 'x-corral-user': process.env['USER'] ?? 'chat' } });
const where =
  config.provider === 'corral'
    ? config.corral_url
    : config.provider === 'ollama'
      ? config.ollama_url
      : 'Anthropic';
const out = process.stdout;
out.write(
  `Corral chat: ${bridge.model} via ${bridge.provider} (${where}). Ctrl-C cancels an answer, /quit leaves.\n`,
);

const rl = createInterface({ input: process.stdin, output: out });
const conversation: BridgeMessage[] = [];
let current: AbortController | undefined;
rl.on('SIGINT', () => {
  if (current !== undefined) current.abort(new Error('cancelled'));
  else {
    rl.close();
    process.exit(0);
  }
});

/**
 * One assistant turn: an answer, or tool calls run and their results sent back, for at most
 * MAX_TOOL_ROUNDS rounds. Every request offers the tools (Anthropic's API refuses a conversation
 * with tool_use blocks when the request defines no tools); if the model still calls a tool after
 * the last round, the calls are answered as refused and the turn ends with a note of ours, so the
 * conversation stays well-formed (every tool_use answered, roles alternating) for the next turn.
 */
async function answer(signal: AbortSignal): Promise<void> {
  for (let round = 1; ; round++) {
    const queue = new QueueLine(out);
    let started = false;
    out.write('assistant> ');
    const response = await bridge
      .generateResponse(conversation, {
        system: SYSTEM,
        dynamicContent: `Local time: ${new Date().toLocaleTimeString()}`,
        tools,
        signal,
        onQueue: (notice: QueueNotice) => queue.show(notice),
        onText: (text) => {
          if (!started) queue.clear();
          started = true;
          out.write(text);
        },
      })
      .finally(() => queue.clear());
    conversation.push({ role: 'assistant', content: response.content });
    const calls = bridge.extractToolCalls(response);
    out.write('\n');
    if (calls.length === 0) return;
    if (round > MAX_TOOL_ROUNDS) {
      const refused = `Not run: the limit of ${MAX_TOOL_ROUNDS} tool rounds per turn was reached.`;
      conversation.push({
        role: 'user',
        content: calls.map((call) => ({
          type: 'tool_result' as const,
          tool_use_id: call.id,
          content: refused,
          is_error: true,
        })),
      });
      const note = `(Stopped after ${MAX_TOOL_ROUNDS} tool rounds.)`;
      conversation.push({ role: 'assistant', content: note });
      out.write(`assistant> ${note}\n`);
      return;
    }
    const results = calls.map((call) => {
      const result = call.toolName === 'roll_dice' ? rollDice(call.input) : `unknown tool ${call.toolName}`;
      out.write(`  [tool] ${call.toolName}(${JSON.stringify(call.input)}) -> ${result}\n`);
      return { type: 'tool_result' as const, tool_use_id: call.id, content: result };
    });
    conversation.push({ role: 'user', content: results });
  }
}

let closed = false;
const inputClosed = new Promise<undefined>((resolve) =>
  rl.once('close', () => {
    closed = true;
    resolve(undefined);
  }),
);

for (;;) {
  const asked = closed ? undefined : await Promise.race([rl.question('you> '), inputClosed]);
  if (asked === undefined || asked.trim() === '/quit') break;
  const line = asked.trim();
  if (line === '') continue;
  const turnStart = conversation.length;
  conversation.push({ role: 'user', content: line });
  current = new AbortController();
  try {
    await answer(current.signal);
  } catch (err) {
    out.write(`\n  [error] ${err instanceof Error ? err.message : String(err)}\n`);
    // Forget the whole unfinished turn (the question and any tool rounds), so the conversation
    // stays well-formed: no tool_use left without its result, no two user messages in a row.
    conversation.length = turnStart;
  } finally {
    current = undefined;
  }
}
rl.close();
out.write('\n');
