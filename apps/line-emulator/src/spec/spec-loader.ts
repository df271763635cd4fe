import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Where LINE's OpenAPI documents live: `../shared/line-openapi` next to the repository, found
 * from the working directory or from this file (dist/ or the sources).
 */
export function findSpecDir(explicit?: string): string {
  const candidates = [
    explicit,
    resolve(process.cwd(), '../shared/line-openapi'),
    resolve(__dirname, '../../../../../shared/line-openapi'),
    resolve(__dirname, '../../../../../../shared/line-openapi'),
  ].filter((d): d is string => d !== undefined);
  const dir = candidates.find((d) => existsSync(join(d, 'messaging-api.yml')));
  if (dir === undefined) throw new Error(`LINE OpenAPI documents not found (tried ${candidates.join(', ')})`);
  return dir;
}

export function loadSpec(specDir: string, file: string): JsonObject {
  const doc: unknown = parse(readFileSync(join(specDir, file), 'utf8'));
  if (!isObject(doc)) throw new Error(`${file} is not an OpenAPI document`);
  return doc;
}

const SCHEMA_REF = '#/components/schemas/';

/**
 * LINE's documents model polymorphism with `discriminator.mapping` on a base schema that each
 * subtype extends through `allOf` (no `oneOf`), which JSON Schema validators ignore: a message
 * of an unknown type, or a text message without text, would pass. This rewrites every reference
 * to such a base (outside the subtypes' own `allOf`) to a dispatching schema that picks the
 * subtype by the discriminator value, so the documents validate what LINE validates.
 */
export function resolveDiscriminators(doc: JsonObject, style: 'if-then' | 'one-of' = 'if-then'): JsonObject {
  const copy = structuredClone(doc);
  const schemas = (copy.components as JsonObject | undefined)?.schemas as JsonObject | undefined;
  if (schemas === undefined) return copy;
  const dispatched = new Set<string>();
  for (const [name, schema] of Object.entries(schemas)) {
    if (!isObject(schema) || !isObject(schema.discriminator)) continue;
    const { propertyName, mapping } = schema.discriminator as {
      propertyName: string;
      mapping?: Record<string, string>;
    };
    delete schema.discriminator;
    if (mapping === undefined) continue;
    dispatched.add(name);
    // if/then gives one clear error per bad message (the emulator's 400 details); oneOf is the
    // OpenAPI 3.0 spelling that document validators (openapi-backend) accept.
    schemas[`${name}__dispatch`] =
      style === 'one-of'
        ? {
            oneOf: Object.entries(mapping).map(([value, ref]) => ({
              allOf: [
                { $ref: ref },
                { type: 'object', properties: { [propertyName]: { type: 'string', enum: [value] } } },
              ],
            })),
          }
        : {
            type: 'object',
            required: [propertyName],
            properties: { [propertyName]: { type: 'string', enum: Object.keys(mapping) } },
            allOf: Object.entries(mapping).map(([value, ref]) => ({
              if: { properties: { [propertyName]: { const: value } } },
              then: { $ref: ref },
            })),
          };
  }
  const rewrite = (node: unknown, inAllOf: boolean): void => {
    if (Array.isArray(node)) {
      node.forEach((n) => rewrite(n, inAllOf));
      return;
    }
    if (!isObject(node)) return;
    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith(SCHEMA_REF) && !inAllOf) {
      const target = ref.slice(SCHEMA_REF.length);
      if (dispatched.has(target)) node.$ref = `${SCHEMA_REF}${target}__dispatch`;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'allOf' && Array.isArray(value)) value.forEach((n) => rewrite(n, true));
      else rewrite(value, false);
    }
  };
  for (const [name, schema] of Object.entries(schemas)) {
    if (!name.endsWith('__dispatch')) rewrite(schema, false);
  }
  rewrite(copy.paths, false);
  return copy;
}
