import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { EnvironmentVariables } from './environment';

export interface ConfigProblem {
  variable: string;
  reason: string;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.variable}: ${p.reason}`).join('\n'),
    );
    this.name = 'ConfigValidationError';
  }
}

const flatten = (errors: ValidationError[]): ConfigProblem[] =>
  errors.flatMap((e) => Object.values(e.constraints ?? {}).map((reason) => ({ variable: e.property, reason })));

/** Parses and validates raw variables; throws one error listing every problem. */
export function parseEnvironment(raw: Record<string, string | undefined>): EnvironmentVariables {
  const defined = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
  const env = plainToInstance(EnvironmentVariables, defined, { exposeDefaultValues: true });
  const problems = flatten(validateSync(env, { whitelist: false }));
  const lineVars = ['LINE_CHANNEL_ID', 'LINE_CHANNEL_SECRET', 'LINE_CHANNEL_ACCESS_TOKEN'] as const;
  const setLine = lineVars.filter((k) => env[k] !== undefined);
  if (setLine.length > 0 && setLine.length < lineVars.length) {
    for (const k of lineVars.filter((v) => env[v] === undefined)) {
      problems.push({ variable: k, reason: `required when ${setLine.join(', ')} is set` });
    }
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}
