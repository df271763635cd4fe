import { Gender } from '../entities/member.entity';
import { AttributeTypes, checkAttribute, textBoolean } from './attributes';
import { FieldError, isIsoDate, isPlainObject, Parsed, parseDateTime } from './field-error';
import { findPrefecture } from './prefectures';

/** Core fields in a fixed order: bit i of `MemberPatch.mask` says field i was named. */
export const CORE_FIELDS = [
  'firstName',
  'lastName',
  'gender',
  'birthDate',
  'prefecture',
  'postalCode',
  'occupation',
  'membershipTier',
  'pointsBalance',
  'registeredAt',
  'marketingConsent',
] as const;
export type CoreField = (typeof CORE_FIELDS)[number];
export const ATTRIBUTES_BIT = 1 << CORE_FIELDS.length;

/** A validated upsert of one member: only the named fields (mask) change. */
export interface MemberPatch {
  externalId: string;
  mask: number;
  firstName: string | null;
  lastName: string | null;
  gender: Gender | null;
  birthDate: string | null;
  prefectureCode: number | null;
  postalCode: string | null;
  occupation: string | null;
  membershipTier: string | null;
  pointsBalance: number | null;
  registeredAt: string | null;
  marketingConsent: boolean | null;
  /** Custom attributes to set; a null value removes the attribute. */
  attributes: Record<string, unknown> | null;
}

const GENDERS: Record<string, Gender> = {
  male: Gender.Male,
  m: Gender.Male,
  男性: Gender.Male,
  男: Gender.Male,
  female: Gender.Female,
  f: Gender.Female,
  女性: Gender.Female,
  女: Gender.Female,
  other: Gender.Other,
  その他: Gender.Other,
  unspecified: Gender.Unspecified,
  無回答: Gender.Unspecified,
};

export const EXTERNAL_ID_MAX = 200;
const SHORT_TEXT = 200;

export interface MemberParseOptions {
  attributeTypes: AttributeTypes;
  /** CSV: every value is text; numbers and booleans are converted, empty cells are not named. */
  fromText?: boolean;
  /** PUT /members/{externalId}: the id comes from the path. */
  externalId?: string;
  /** Today in the workspace's zone (YYYY-MM-DD): birth dates after it are refused. */
  today: string;
}

type Checker = (v: unknown, o: MemberParseOptions) => { value: unknown } | { reason: string };

const text =
  (max: number): Checker =>
  (v) =>
    typeof v !== 'string'
      ? { reason: 'must be a string' }
      : v.length > max
        ? { reason: `must be at most ${max} characters` }
        : { value: v };

const checkers: Record<CoreField, Checker> = {
  firstName: text(SHORT_TEXT),
  lastName: text(SHORT_TEXT),
  gender: (v) => {
    const g = typeof v === 'string' ? GENDERS[v.trim().toLowerCase()] : undefined;
    return g === undefined ? { reason: 'must be one of male, female, other, unspecified' } : { value: g };
  },
  birthDate: (v, o) => {
    if (!isIsoDate(v)) return { reason: 'must be a date YYYY-MM-DD' };
    if (v < '1900-01-01' || v > o.today) return { reason: 'must be between 1900-01-01 and today' };
    return { value: v };
  },
  prefecture: (v, o) => {
    const p = findPrefecture(o.fromText && typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v);
    return p === undefined
      ? { reason: 'must be a JIS code 1–47 or a prefecture name (東京都, Tokyo)' }
      : { value: p.code };
  },
  postalCode: (v) => {
    const m = typeof v === 'string' ? /^〒?\s*(\d{3})-?(\d{4})$/.exec(v.trim()) : null;
    return m === null ? { reason: 'must be a Japanese postal code NNN-NNNN' } : { value: `${m[1]}-${m[2]}` };
  },
  occupation: text(SHORT_TEXT),
  membershipTier: text(SHORT_TEXT),
  pointsBalance: (v, o) => {
    const n = o.fromText && typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    return typeof n === 'number' && Number.isInteger(n) && Math.abs(n) <= 2_147_483_647
      ? { value: n }
      : { reason: 'must be an integer' };
  },
  registeredAt: (v) => {
    if (isIsoDate(v)) return { value: `${v}T00:00:00+09:00` };
    const t = parseDateTime(v);
    return t === undefined
      ? { reason: 'must be an ISO 8601 date-time with offset, or a date' }
      : { value: new Date(t).toISOString() };
  },
  marketingConsent: (v, o) => {
    const b = o.fromText && typeof v === 'string' ? textBoolean(v) : v;
    return typeof b === 'boolean' ? { value: b } : { reason: 'must be true or false' };
  },
};

const CORE_SET = new Set<string>(CORE_FIELDS);
const patchKey: Record<CoreField, keyof MemberPatch> = {
  firstName: 'firstName',
  lastName: 'lastName',
  gender: 'gender',
  birthDate: 'birthDate',
  prefecture: 'prefectureCode',
  postalCode: 'postalCode',
  occupation: 'occupation',
  membershipTier: 'membershipTier',
  pointsBalance: 'pointsBalance',
  registeredAt: 'registeredAt',
  marketingConsent: 'marketingConsent',
};

export function emptyPatch(externalId: string): MemberPatch {
  return {
    externalId,
    mask: 0,
    firstName: null,
    lastName: null,
    gender: null,
    birthDate: null,
    prefectureCode: null,
    postalCode: null,
    occupation: null,
    membershipTier: null,
    pointsBalance: null,
    registeredAt: null,
    marketingConsent: null,
    attributes: null,
  };
}

/** Validates one member record; reports every bad field, not just the first. */
export function parseMember(input: unknown, options: MemberParseOptions): Parsed<MemberPatch> {
  if (!isPlainObject(input)) return { ok: false, errors: [{ field: '', reason: 'must be an object' }] };
  const errors: FieldError[] = [];
  const externalId = options.externalId ?? input.externalId;
  if (typeof externalId !== 'string' || externalId.trim() === '' || externalId.length > EXTERNAL_ID_MAX) {
    errors.push({ field: 'externalId', reason: `must be a non-empty string of at most ${EXTERNAL_ID_MAX} characters` });
  }
  const patch = emptyPatch(typeof externalId === 'string' ? externalId : '');
  const mutable = patch as unknown as Record<string, unknown>;
  for (const [key, raw] of Object.entries(input)) {
    if (key === 'externalId') {
      if (options.externalId !== undefined && raw !== options.externalId) {
        errors.push({ field: 'externalId', reason: 'must match the externalId of the path' });
      }
      continue;
    }
    if (key === 'attributes') {
      checkAttributes(raw, options, patch, errors);
      continue;
    }
    if (!CORE_SET.has(key)) {
      errors.push({ field: key, reason: 'is not a member field (custom attributes go in "attributes")' });
      continue;
    }
    const field = key as CoreField;
    if (options.fromText && raw === '') continue;
    patch.mask |= 1 << CORE_FIELDS.indexOf(field);
    if (raw === null) continue;
    const checked = checkers[field](raw, options);
    if ('reason' in checked) errors.push({ field, reason: checked.reason });
    else mutable[patchKey[field]] = checked.value;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: patch };
}

function checkAttributes(raw: unknown, options: MemberParseOptions, patch: MemberPatch, errors: FieldError[]): void {
  if (!isPlainObject(raw)) {
    errors.push({ field: 'attributes', reason: 'must be an object of declared custom attributes' });
    return;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const type = options.attributeTypes.get(key);
    if (type === undefined) {
      errors.push({
        field: `attributes.${key}`,
        reason: 'is not a declared attribute (PUT /attribute-definitions/{key})',
      });
      continue;
    }
    if (options.fromText && value === '') continue;
    const checked = checkAttribute(type, value, options.fromText === true);
    if ('reason' in checked) errors.push({ field: `attributes.${key}`, reason: checked.reason });
    else out[key] = checked.value;
  }
  if (Object.keys(out).length > 0) {
    patch.attributes = out;
    patch.mask |= ATTRIBUTES_BIT;
  }
}

/** Two records of one batch for the same member become one: later named fields win. */
export function mergePatches(a: MemberPatch, b: MemberPatch): MemberPatch {
  const merged = { ...a, mask: a.mask | b.mask } as unknown as Record<string, unknown>;
  const from = b as unknown as Record<string, unknown>;
  CORE_FIELDS.forEach((field, i) => {
    if ((b.mask & (1 << i)) !== 0) merged[patchKey[field]] = from[patchKey[field]];
  });
  const out = merged as unknown as MemberPatch;
  if (b.attributes !== null) out.attributes = { ...(a.attributes ?? {}), ...b.attributes };
  return out;
}
