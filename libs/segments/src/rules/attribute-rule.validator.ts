import { ATTRIBUTES, CUSTOM_PREFIX, CustomAttributeTypes, KEY_PATTERN } from './schema-map';
import { Obj, ValidationContext } from './rule-validator.context';
import { CheckType, checkOperation } from './rule-value.validator';

/** Elapsed-time attributes stay within 200 years, so boundary dates stay valid in PostgreSQL. */
const ELAPSED_MAX = { years: 200, months: 2_400, days: 73_000 } as const;

export function checkAttribute(cx: ValidationContext, input: Obj, path: string, custom: CustomAttributeTypes): void {
  cx.keys(input, path, ['attr', 'op', 'value']);
  const name = input.attr;
  let type: CheckType | undefined;
  let intRange: [number, number] | undefined;
  if (typeof name !== 'string') {
    cx.fail(`${path}.attr`, 'expected an attribute name');
  } else if (name.startsWith(CUSTOM_PREFIX)) {
    const key = name.slice(CUSTOM_PREFIX.length);
    type = KEY_PATTERN.test(key) && Object.hasOwn(custom, key) ? custom[key] : undefined;
    if (type === undefined) cx.fail(`${path}.attr`, `unknown custom attribute "${name.slice(0, 80)}"`);
  } else if (Object.hasOwn(ATTRIBUTES, name)) {
    const def = ATTRIBUTES[name];
    type = def.source.kind === 'place' ? (def.source.regions ? 'region' : 'prefecture') : def.type;
    if (def.source.kind === 'elapsed') intRange = [0, ELAPSED_MAX[def.source.unit]];
    if (def.source.kind === 'birthMonth') intRange = [1, 12];
  } else {
    cx.fail(`${path}.attr`, `unknown attribute "${name.slice(0, 80)}"`);
  }
  checkOperation(cx, input, path, type, intRange);
  const src = typeof name === 'string' && Object.hasOwn(ATTRIBUTES, name) ? ATTRIBUTES[name].source : undefined;
  if (src?.kind === 'column' && src.enumType !== undefined && ['eq', 'neq', 'in', 'notIn'].includes(String(input.op))) {
    const labels = src.enumType.labels;
    const values = Array.isArray(input.value) ? (input.value as unknown[]) : [input.value];
    values.forEach((v, i) => {
      if (typeof v === 'string' && !labels.includes(v)) {
        cx.fail(
          Array.isArray(input.value) ? `${path}.value[${i}]` : `${path}.value`,
          `expected one of ${labels.join(', ')}`,
        );
      }
    });
  }
}
