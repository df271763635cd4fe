import { AttributeType } from '../entities/attribute-definition.entity';
import { isIsoDate } from './field-error';

export const ATTRIBUTE_KEY = /^[a-z][a-z0-9_]{0,62}$/;
export const MAX_STRING = 1000;
export const MAX_LIST = 100;

/** Declared custom attributes of a workspace: key → type. */
export type AttributeTypes = ReadonlyMap<string, AttributeType>;

/**
 * Checks (and, for CSV text, converts) one custom attribute value. Returns the value to store or
 * a reason. `null` means "remove the attribute".
 */
export function checkAttribute(
  type: AttributeType,
  value: unknown,
  fromText: boolean,
): { value: unknown } | { reason: string } {
  if (value === null) return { value: null };
  switch (type) {
    case AttributeType.String:
      if (typeof value !== 'string') return { reason: 'must be a string' };
      if (value.length > MAX_STRING) return { reason: `must be at most ${MAX_STRING} characters` };
      return { value };
    case AttributeType.Number: {
      const n = fromText && typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) return { reason: 'must be a finite number' };
      return { value: n };
    }
    case AttributeType.Boolean: {
      const b = fromText && typeof value === 'string' ? textBoolean(value) : value;
      if (typeof b !== 'boolean') return { reason: 'must be true or false' };
      return { value: b };
    }
    case AttributeType.Date:
      if (!isIsoDate(value)) return { reason: 'must be a date YYYY-MM-DD' };
      return { value };
    case AttributeType.StringList: {
      const list = fromText && typeof value === 'string' ? value.split('|').map((s) => s.trim()) : value;
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
        return { reason: fromText ? 'must be strings separated by "|"' : 'must be an array of strings' };
      }
      if (list.length > MAX_LIST) return { reason: `must hold at most ${MAX_LIST} strings` };
      if (list.some((s: string) => s.length > MAX_STRING))
        return { reason: `items must be at most ${MAX_STRING} characters` };
      return { value: list };
    }
  }
}

export function textBoolean(v: string): boolean | undefined {
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'y', 't'].includes(s)) return true;
  if (['false', '0', 'no', 'n', 'f'].includes(s)) return false;
  return undefined;
}
