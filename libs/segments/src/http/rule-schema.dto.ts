import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RULE_LIMITS } from '../rules/rule.limits';
import { OPERATORS } from '../rules/rule.types';
import { ATTRIBUTES, CATALOG_CHANGES, EVENT_TYPES, LINK_METHODS } from '../rules/schema-map';
import { REGION_IDS } from '../rules/regions';

/**
 * The rule tree in the OpenAPI document as named component schemas that refer to each other:
 * `all`/`any` items and `not` are again "one of every node kind", so the document describes
 * nesting to any depth (a plain `type: object` there would leave nested nodes undocumented).
 * References are written by name, not with getSchemaPath(Class): the classes refer to each other
 * in a cycle, and a class declared further down the file does not exist yet when an earlier
 * class's decorators run.
 */
const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

/** Component names of the node kinds, in the order of the `oneOf`. */
export const RULE_NODE_SCHEMAS = [
  'RuleAll',
  'RuleAny',
  'RuleNot',
  'RuleAttributeCondition',
  'RuleEventCondition',
  'RuleSequenceCondition',
  'RuleLinkCondition',
  'RuleSegmentCondition',
  'RuleFavouriteChangedCondition',
] as const;

/** A rule: exactly one node kind (for properties typed as a whole tree). */
export const RULE_REF = { oneOf: RULE_NODE_SCHEMAS.map(ref) };

const scalar = { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] };
const conditionValue = {
  description:
    'Depends on the operator: a scalar, a [low, high] pair for between, a list for in/notIn; none for exists',
  oneOf: [...scalar.oneOf, { type: 'array', items: scalar, maxItems: RULE_LIMITS.maxListLength }],
};
const windowRef = {
  description: '"ever" (default), the last N days up to now, or local dates (inclusive) in the workspace time zone',
  oneOf: [{ type: 'string', enum: ['ever'] }, ref('RuleWindowLastDays'), ref('RuleWindowDates')],
};
const countOps = ['gte', 'lte', 'eq'];

export class RuleAll {
  @ApiProperty({ type: 'array', items: RULE_REF, minItems: 1, description: 'Every rule holds (and)' })
  all!: unknown[];
}

export class RuleAny {
  @ApiProperty({ type: 'array', items: RULE_REF, minItems: 1, description: 'At least one rule holds (or)' })
  any!: unknown[];
}

export class RuleNot {
  @ApiProperty({ ...RULE_REF, description: 'The rule does not hold' })
  not!: unknown;
}

export class RuleAttributeCondition {
  @ApiProperty({ description: `${Object.keys(ATTRIBUTES).join(', ')}, or custom.<key>` })
  attr!: string;

  @ApiProperty({ enum: OPERATORS, description: 'Which apply depends on the attribute type (docs/segments.md)' })
  op!: string;

  @ApiPropertyOptional({
    ...conditionValue,
    description: `${conditionValue.description}. Regions: ${REGION_IDS.join(', ')}`,
  })
  value?: unknown;
}

export class RulePropertyFilter {
  @ApiProperty({ description: 'amount | sku | properties.<key> | item.<key> (some item of properties.items)' })
  field!: string;

  @ApiProperty({ enum: OPERATORS })
  op!: string;

  @ApiPropertyOptional(conditionValue)
  value?: unknown;
}

export class RuleCountComparison {
  @ApiProperty({ enum: countOps })
  op!: string;

  @ApiProperty({ type: 'number', minimum: 0 })
  value!: number;
}

export class RuleWindowLastDays {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: RULE_LIMITS.maxDays })
  lastDays!: number;
}

export class RuleWindowDates {
  @ApiProperty({ format: 'date' }) from!: string;
  @ApiProperty({ format: 'date' }) to!: string;
}

export class RuleEventCondition {
  @ApiProperty({ description: `${EVENT_TYPES.join(', ')} or custom:<name>` })
  event!: string;

  @ApiPropertyOptional({ default: true, description: 'false: never did it (in the window)' })
  did?: boolean;

  @ApiPropertyOptional({ type: 'array', items: ref('RulePropertyFilter'), maxItems: RULE_LIMITS.maxFilters })
  where?: RulePropertyFilter[];

  @ApiPropertyOptional({ ...ref('RuleCountComparison'), description: 'Number of such events (default: at least 1)' })
  count?: RuleCountComparison;

  @ApiPropertyOptional({ ...ref('RuleCountComparison'), description: 'Sum of their amount' })
  sum?: RuleCountComparison;

  @ApiPropertyOptional(windowRef)
  within?: unknown;
}

export class RuleSequenceFirst {
  @ApiProperty() event!: string;
  @ApiPropertyOptional({ type: 'array', items: ref('RulePropertyFilter') }) where?: RulePropertyFilter[];
  @ApiPropertyOptional(windowRef) within?: unknown;
}

export class RuleSequenceThen {
  @ApiProperty() event!: string;
  @ApiProperty({ description: 'false: A was not followed by B within the hours (counted once they are over)' })
  did!: boolean;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: RULE_LIMITS.maxHours }) withinHours!: number;
  @ApiPropertyOptional({ type: 'array', items: ref('RulePropertyFilter') }) where?: RulePropertyFilter[];
}

export class RuleSequence {
  @ApiProperty({ type: () => RuleSequenceFirst }) first!: RuleSequenceFirst;
  @ApiProperty({ type: () => RuleSequenceThen }) then!: RuleSequenceThen;
}

export class RuleSequenceCondition {
  @ApiProperty({ ...ref('RuleSequence'), description: 'Did A and then (not) B within N hours' })
  sequence!: RuleSequence;
}

export class RuleLinkCondition {
  @ApiProperty({ enum: ['linked', 'following', 'blocked', 'method', 'richMenu'] })
  link!: string;

  @ApiPropertyOptional({
    description: `method: ${LINK_METHODS.join(', ')}; richMenu: LINE rich menu id(s)`,
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
  })
  value?: string | string[];
}

export class RuleSegmentCondition {
  @ApiProperty({ format: 'uuid', description: 'Members of another saved segment (its current rules)' })
  segment!: string;
}

export class RuleFavouriteChanged {
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...CATALOG_CHANGES] }, minItems: 1 })
  changes!: string[];

  @ApiProperty(windowRef)
  within!: unknown;
}

export class RuleFavouriteChangedCondition {
  @ApiProperty({ type: () => RuleFavouriteChanged })
  favouriteChanged!: RuleFavouriteChanged;
}

/** Every class above, for @ApiExtraModels: each becomes a component schema of its name. */
export const RULE_SCHEMA_MODELS = [
  RuleAll,
  RuleAny,
  RuleNot,
  RuleAttributeCondition,
  RulePropertyFilter,
  RuleCountComparison,
  RuleWindowLastDays,
  RuleWindowDates,
  RuleEventCondition,
  RuleSequenceFirst,
  RuleSequenceThen,
  RuleSequence,
  RuleSequenceCondition,
  RuleLinkCondition,
  RuleSegmentCondition,
  RuleFavouriteChanged,
  RuleFavouriteChangedCondition,
];
