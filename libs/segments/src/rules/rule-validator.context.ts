import { ErrorDetail } from '@app/common';
import { RULE_LIMITS as L } from './rule.limits';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Shared by the checks of every kind of node, so that one pass reports every problem of the
 * tree in one list; with the checks of plain values that they all make.
 */
export class ValidationContext {
  readonly errors: ErrorDetail[] = [];

  fail(field: string, reason: string): void {
    if (this.errors.length < 200) this.errors.push({ field, reason });
  }

  keys(o: Obj, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.fail(`${path}.${k}`, 'unknown key');
  }

  string(v: unknown, path: string): void {
    if (typeof v !== 'string') return this.fail(path, 'expected a string');
    if (v.length > L.maxStringLength) this.fail(path, `longer than ${L.maxStringLength} characters`);
    // PostgreSQL text cannot hold NUL: refuse it here rather than fail in the database.
    else if (v.includes('\u0000')) this.fail(path, 'must not contain the NUL character');
  }

  number(v: unknown, path: string): void {
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.fail(path, 'expected a number');
    if (Math.abs(v) > L.maxAbsNumber)
      this.fail(path, `expected a number between ${-L.maxAbsNumber} and ${L.maxAbsNumber}`);
  }

  integer(v: unknown, path: string, min: number, max: number): void {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(path, `expected an integer from ${min} to ${max}`);
    }
  }
}
