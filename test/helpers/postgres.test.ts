// The Postgres suites skip locally and fail under CI; which is which depends on reading `CI` the
// way CI systems set it (`true`, `1`, or a runner's own name), not only the literal "true".
import { describe, expect, it } from 'vitest';
import { isCi, postgresUrls } from './postgres.js';

describe('isCi', () => {
  it.each(['true', 'TRUE', '1', 'yes', 'woodpecker'])('CI=%s is CI', (value) => {
    expect(isCi({ CI: value })).toBe(true);
  });

  it.each([undefined, '', ' ', 'false', 'False', '0'])('CI=%s is not CI', (value) => {
    expect(isCi(value === undefined ? {} : { CI: value })).toBe(false);
  });
});

describe('postgresUrls', () => {
  it('tries the local trust-auth users unless CORRAL_TEST_POSTGRES_URL names one', () => {
    expect(postgresUrls({})).toEqual([
      'postgres://postgres@127.0.0.1:5432/test',
      'postgres://root@127.0.0.1:5432/test',
    ]);
    expect(postgresUrls({ CORRAL_TEST_POSTGRES_URL: '' })).toHaveLength(2);
    expect(postgresUrls({ CORRAL_TEST_POSTGRES_URL: 'postgres://ci@db/test' })).toEqual([
      'postgres://ci@db/test',
    ]);
  });
});
