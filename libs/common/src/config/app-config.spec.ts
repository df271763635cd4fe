import { availableParallelism } from 'node:os';
import { ConfigValidationError, parseEnvironment } from './environment.parse';
import { AppConfig } from './app-config';

describe('configuration', () => {
  it('applies defaults and targets the emulator when no LINE channel is configured', () => {
    const config = new AppConfig(parseEnvironment({ NODE_ENV: 'test', EMULATOR_PORT: '4999' }));
    expect(config.api.port).toBe(3000);
    expect(config.line.mode).toBe('emulator');
    expect(config.line.endpoints.apiBaseUrl).toBe('http://127.0.0.1:4999');
    expect(config.queue.prefix).toBe('lse-test');
  });

  it('sizes the PostgreSQL pool to the cores (twice, at least 4) unless told', () => {
    expect(new AppConfig(parseEnvironment({})).database.poolSize).toBe(Math.max(4, 2 * availableParallelism()));
    expect(new AppConfig(parseEnvironment({ DATABASE_POOL_SIZE: '12' })).database.poolSize).toBe(12);
  });

  it('targets LINE when a channel is configured', () => {
    const config = new AppConfig(
      parseEnvironment({ LINE_CHANNEL_ID: '1', LINE_CHANNEL_SECRET: 's', LINE_CHANNEL_ACCESS_TOKEN: 't' }),
    );
    expect(config.line.mode).toBe('line');
    expect(config.line.endpoints.dataApiBaseUrl).toBe('https://api-data.line.me');
    expect(config.line.channel).toEqual({ channelId: '1', channelSecret: 's', accessToken: 't' });
  });

  it('lists every problem in one error', () => {
    let error: unknown;
    try {
      parseEnvironment({ API_PORT: 'abc', DATABASE_URL: 'mysql://x', LINE_CHANNEL_ID: '1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const variables = [...new Set((error as ConfigValidationError).problems.map((p) => p.variable))].sort();
    expect(variables).toEqual(['API_PORT', 'DATABASE_URL', 'LINE_CHANNEL_ACCESS_TOKEN', 'LINE_CHANNEL_SECRET']);
    expect((error as Error).message).toContain('DATABASE_URL must be a postgres:// URL');
  });
});
