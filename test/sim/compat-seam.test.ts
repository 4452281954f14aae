// The NativeRunner seam: /v1 paths go to the compatibility layers, which run on the same engine
// (same slots, same control-plane events). Unknown /v1 paths get gin's plain-text 404.
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, get, json, post, startSim } from './helpers.js';

afterEach(closeAll);

describe('compat seam', () => {
  it('an unknown /v1 path is a plain-text 404', async () => {
    const emu = await startSim();
    expect(await get(emu, '/v1/nothing-here')).toMatchObject({ status: 404, text: '404 page not found' });
  });

  it('/v1/chat/completions runs on the native engine', async () => {
    const emu = await startSim();
    const started = emu.control.waitFor('request_started');
    const r = await post(emu, '/v1/chat/completions', {
      model: 'llama3.2',
      messages: [{ role: 'user', content: '[[sim:reply hi from compat]]' }],
    });
    expect(r.status).toBe(200);
    expect(await started).toMatchObject({ model: 'llama3.2:latest', endpoint: 'chat' });
    expect(json(r)).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { content: 'hi from compat' } }],
    });
  });
});
