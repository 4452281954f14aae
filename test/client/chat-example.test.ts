// The example chat driven the way a person would use it: in a pseudo-terminal (tmux), typing and
// reading the screen, against a gateway whose only slot is taken so the question has to queue.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const session = `corral-chat-${process.pid}`;
/** Machines without tmux skip this test rather than fail it. */
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
let stack: Stack | undefined;

afterEach(async () => {
  try {
    execFileSync('tmux', ['kill-session', '-t', session], { stdio: 'ignore' });
  } catch {
    // already ended (the test typed /quit)
  }
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
});

const screen = (): string =>
  execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' });
const type = (text: string): void => void execFileSync('tmux', ['send-keys', '-t', session, '-l', text]);
const enter = (): void => void execFileSync('tmux', ['send-keys', '-t', session, 'Enter']);

/**
 * A terminal has no event to wait on, so the screen is re-read every 100 ms until it matches
 * (this is the test's only poll, bounded by `timeoutMs`).
 */
async function waitForScreen(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const match = screen().match(pattern);
    if (match !== null) return match;
    if (Date.now() > until) throw new Error(`screen never matched ${pattern}:\n${screen()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!hasTmux)('examples/chat', () => {
  it('queues with position and a counting-down ETA, streams the answer, keeps the conversation, runs the tool', async () => {
    stack = await startStack({ hosts: [{ tps: 50, loadMs: 0, parallel: 4 }] });
    const s = stack;
    const held = postJson(`${s.url}/api/chat`, {
      model: 'llama3.2',
      stream: false,
      messages: [{ role: 'user', content: '[[sim:hold first]]' }],
    });
    held.catch(() => {}); // awaited below; this keeps a failed run from reporting it twice
    await s.hosts[0]!.control.waitFor('request_held');
    const command = `API_CORRAL_URL=${s.url} API_OLLAMA_MODEL=llama3.2 ${root}node_modules/.bin/tsx examples/chat/chat.ts`;
    execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '120', '-y', '40', '-c', root, command]);
    await waitForScreen(/you>\s*$/m, 30_000);

    type('Hello [[sim:reply The answer is forty two]]');
    enter();
    const first = await waitForScreen(/\[queue\] position 1 \(0 requests ahead\), estimated wait (\d+)s/);
    const firstEta = Number(first[1]);
    await waitForScreen(new RegExp(`estimated wait ${firstEta - 1}s|any moment now`), 5_000);

    s.hosts[0]!.control.release('first');
    await waitForScreen(/assistant> The answer is forty two\nyou>\s*$/m);
    expect(screen()).not.toMatch(/\[queue\]/);
    expect((await held).status).toBe(200);

    const received = s.hosts[0]!.control.waitFor('request_received', (e) => e.endpoint === 'chat');
    type('And now? [[sim:reply Still forty two]]');
    enter();
    await waitForScreen(/assistant> Still forty two\nyou>\s*$/m);
    const messages = (
      (await received).body as unknown as { messages: Array<{ role: string; content: string }> }
    ).messages;
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(messages[2]!.content).toBe('The answer is forty two');

    // The emulator repeats a scripted tool call on every round of the turn, so the chat runs the
    // tool three times, then answers the fourth call as refused and ends the turn itself. Every
    // round offers the tools: Anthropic's API refuses tool_use blocks in a request without them.
    const toolRounds: Array<{ tools?: Array<{ function?: { name?: string } }> }> = [];
    const off = s.hosts[0]!.control.on('request_received', (e) => {
      if (e.endpoint === 'chat') toolRounds.push(e.body as unknown as (typeof toolRounds)[number]);
    });
    type('Roll a die [[sim:tool roll_dice {"sides":6}]]');
    enter();
    await waitForScreen(/assistant> \(Stopped after 3 tool rounds\.\)\nyou>\s*$/m);
    off();
    expect(screen().match(/\[tool\] roll_dice\(\{"sides":6\}\) -> [1-6]\n/g)).toHaveLength(3);
    expect(toolRounds).toHaveLength(4);
    for (const body of toolRounds) expect(body.tools?.map((t) => t.function?.name)).toEqual(['roll_dice']);

    // The next turn carries a well-formed conversation: each tool call answered, then our note.
    const next = s.hosts[0]!.control.waitFor('request_received', (e) => e.endpoint === 'chat');
    type('Thanks [[sim:reply You are welcome]]');
    enter();
    await waitForScreen(/assistant> You are welcome\nyou>\s*$/m);
    const sent = ((await next).body as unknown as { messages: Array<{ role: string; content: string }> })
      .messages;
    expect(sent.slice(5).map((m) => m.role)).toEqual([
      'user',
      ...['assistant', 'tool', 'assistant', 'tool', 'assistant', 'tool', 'assistant', 'tool'],
      'assistant',
      'user',
    ]);
    expect(sent.at(-3)!.content).toContain('Not run: the limit of 3 tool rounds');
    expect(sent.at(-2)!.content).toBe('(Stopped after 3 tool rounds.)');

    type('/quit');
    enter();
  }, 60_000);
});
