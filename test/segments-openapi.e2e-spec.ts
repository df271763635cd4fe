import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestContext, TestContext } from '@app/testing';
import { createApiApp } from '../apps/api/src/api.factory';
import { EXAMPLES } from './segments.fixtures';

/**
 * The rule tree as the served OpenAPI document describes it: every node kind, and all/any/not
 * taking any node kind again, so a tree of any depth is described (checked by validating trees
 * against the served schema with a small JSON-schema subset validator).
 */

type Schema = Record<string, unknown>;
const NODE_KINDS = [
  'RuleAll',
  'RuleAny',
  'RuleNot',
  'RuleAttributeCondition',
  'RuleEventCondition',
  'RuleSequenceCondition',
  'RuleLinkCondition',
  'RuleSegmentCondition',
  'RuleFavouriteChangedCondition',
];

describe('segments OpenAPI document', () => {
  let ctx: TestContext;
  let api: NestFastifyApplication;
  let doc: { paths: Record<string, Record<string, Schema>>; components: { schemas: Record<string, Schema> } };

  const resolve = (s: Schema): Schema => {
    const ref = s.$ref;
    if (typeof ref !== 'string') return s;
    const name = ref.replace('#/components/schemas/', '');
    const target = doc.components.schemas[name];
    if (target === undefined) throw new Error(`dangling $ref ${ref}`);
    return resolve(target);
  };

  /** The parts of JSON schema the document uses: $ref, oneOf, type, enum, required, properties, items. */
  const valid = (value: unknown, schema: Schema): boolean => {
    const s = resolve(schema);
    if (Array.isArray(s.oneOf)) return (s.oneOf as Schema[]).filter((alt) => valid(value, alt)).length === 1;
    if (Array.isArray(s.enum) && !(s.enum as unknown[]).includes(value)) return false;
    switch (s.type) {
      case 'object': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
        const v = value as Record<string, unknown>;
        const props = (s.properties ?? {}) as Record<string, Schema>;
        if (((s.required ?? []) as string[]).some((k) => !(k in v))) return false;
        // The node kinds are told apart by their keys: a key no kind declares is not a rule.
        if (Object.keys(v).some((k) => !(k in props))) return false;
        return Object.entries(v).every(([k, x]) => valid(x, props[k]));
      }
      case 'array':
        return Array.isArray(value) && value.every((x) => valid(x, (s.items ?? {}) as Schema));
      case 'string':
        return typeof value === 'string';
      case 'number':
        return typeof value === 'number';
      case 'integer':
        return Number.isInteger(value);
      case 'boolean':
        return typeof value === 'boolean';
      default:
        return true;
    }
  };

  const kindsOf = (s: Schema): string[] =>
    ((s.oneOf ?? []) as Schema[]).map((alt) => String(alt.$ref).replace('#/components/schemas/', ''));

  beforeAll(async () => {
    ctx = await createTestContext();
    api = await createApiApp(ctx.config);
    await api.listen({ port: 0, host: '127.0.0.1' });
    const base = (await api.getUrl()).replace('[::1]', '127.0.0.1');
    doc = (await (await fetch(`${base}/docs.json`)).json()) as typeof doc;
  });

  afterAll(async () => {
    await api?.close();
    await ctx?.close();
  });

  const rulesOfBody = (path: string, method: string): Schema => {
    const body = doc.paths[path][method].requestBody as { content: Record<string, { schema: Schema }> };
    const dto = resolve(body.content['application/json'].schema);
    return (dto.properties as Record<string, Schema>).rules;
  };

  it('types the rules of every segment request as one of every node kind', () => {
    for (const [path, method] of [
      ['/segments/preview', 'post'],
      ['/segments/sql', 'post'],
      ['/segments', 'post'],
      ['/segments/{id}', 'put'],
    ]) {
      expect(kindsOf(rulesOfBody(path, method))).toEqual(NODE_KINDS);
    }
  });

  it('lets all / any / not take any node kind again (recursive)', () => {
    const s = doc.components.schemas;
    const props = (name: string) => s[name].properties as Record<string, Schema>;
    expect(kindsOf(props('RuleAll').all.items as Schema)).toEqual(NODE_KINDS);
    expect(kindsOf(props('RuleAny').any.items as Schema)).toEqual(NODE_KINDS);
    expect(kindsOf(props('RuleNot').not)).toEqual(NODE_KINDS);
  });

  it('accepts the examples and a tree nested ten deep through every group and condition kind', () => {
    const rules = rulesOfBody('/segments/preview', 'post');
    for (const example of Object.values(EXAMPLES)) expect(valid(example, rules)).toBe(true);

    const leaves: unknown[] = [
      ...Object.values(EXAMPLES),
      { event: 'custom:webinar', did: false, within: { from: '2026-01-01', to: '2026-01-31' } },
      { event: 'purchase', sum: { op: 'gte', value: 50000 }, within: 'ever' },
      { link: 'method', value: ['line_login'] },
      { link: 'following' },
      { segment: '00000000-0000-4000-8000-000000000000' },
      { attr: 'custom.tags', op: 'contains', value: 'vip' },
    ];
    let deep: unknown = { any: leaves };
    for (let depth = 1; depth < 10; depth++) {
      deep = depth % 3 === 0 ? { not: deep } : depth % 3 === 1 ? { all: [deep, leaves[depth]] } : { any: [deep] };
    }
    expect(valid(deep, rules)).toBe(true);

    // The schema is not a catch-all: a bad node ten levels down makes the whole tree invalid.
    const bad = JSON.parse(JSON.stringify(deep).replace('"link":"following"', '"link":"following","bogus":1'));
    expect(valid(bad, rules)).toBe(false);
    expect(valid({ all: [{ not: { event: 'purchase', count: { op: 'most', value: 1 } } }] }, rules)).toBe(false);
    expect(valid({ any: [{ sequence: { first: { event: 'cart_add' } } }] }, rules)).toBe(false);
  });
});
