import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

type Step = 'ok' | 'fail' | 'probe';

const cases: Array<{ name: string; threshold: number; steps: Step[]; transitions: string[]; state: string }> =
  [
    {
      name: 'stays closed below the threshold',
      threshold: 3,
      steps: ['fail', 'fail'],
      transitions: ['none', 'none'],
      state: 'closed',
    },
    {
      name: 'opens at the threshold',
      threshold: 3,
      steps: ['fail', 'fail', 'fail'],
      transitions: ['none', 'none', 'opened'],
      state: 'open',
    },
    {
      name: 'a success resets the count',
      threshold: 2,
      steps: ['fail', 'ok', 'fail'],
      transitions: ['none', 'none', 'none'],
      state: 'closed',
    },
    {
      name: 'ignores outcomes while open',
      threshold: 1,
      steps: ['fail', 'ok', 'fail'],
      transitions: ['opened', 'none', 'none'],
      state: 'open',
    },
    {
      name: 'probe after cool-down, success closes',
      threshold: 1,
      steps: ['fail', 'probe', 'ok'],
      transitions: ['opened', 'half_open', 'closed'],
      state: 'closed',
    },
    {
      name: 'a failed probe opens again at once',
      threshold: 3,
      steps: ['fail', 'fail', 'fail', 'probe', 'fail'],
      transitions: ['none', 'none', 'opened', 'half_open', 'opened'],
      state: 'open',
    },
    { name: 'no probe while closed', threshold: 1, steps: ['probe'], transitions: ['none'], state: 'closed' },
  ];

describe('CircuitBreaker', () => {
  it.each(cases)('$name', ({ threshold, steps, transitions, state }) => {
    const breaker = new CircuitBreaker({ failureThreshold: threshold, cooldownMs: 1000 });
    const seen = steps.map((step) =>
      step === 'ok' ? breaker.succeeded() : step === 'fail' ? breaker.failed('down') : breaker.startProbe(),
    );
    expect(seen).toEqual(transitions);
    expect(breaker.state).toBe(state);
  });

  it('keeps the last error and the failure count', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 5, cooldownMs: 1000 });
    breaker.failed('first');
    breaker.failed('second');
    expect(breaker).toMatchObject({ consecutiveFailures: 2, lastError: 'second' });
  });
});
