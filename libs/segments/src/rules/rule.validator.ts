import { ErrorDetail } from '@app/common';
import { RULE_LIMITS as L } from './rule.limits';
import { CATALOG_CHANGES, CustomAttributeType, CustomAttributeTypes, LINK_METHODS } from './schema-map';
import { Rule } from './rule.types';
import { Obj, ValidationContext, isObj } from './rule-validator.context';
import { checkAttribute } from './attribute-rule.validator';
import { checkEvent, checkSequence, checkWindow } from './event-rule.validator';

export { filterType } from './rule-semantics';

export const LINK_STATES = ['linked', 'following', 'blocked', 'method', 'richMenu'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ValidationResult = { ok: true; rule: Rule } | { ok: false; errors: ErrorDetail[] };

/**
 * Checks a whole tree and reports every problem at once, each with the path of the bad node
 * (`rules.all[2].any[0].value: expected a number`). Pure: custom attribute types are passed in.
 */
export class RuleValidator {
  private readonly cx = new ValidationContext();
  private nodes = 0;
  private tooLarge = false;

  private constructor(private readonly custom: CustomAttributeTypes) {}

  static validate(input: unknown, custom: CustomAttributeTypes = {}, root = 'rules'): ValidationResult {
    const v = new RuleValidator(custom);
    v.node(input, root, 1);
    const errors = v.cx.errors;
    return errors.length === 0 ? { ok: true, rule: input as Rule } : { ok: false, errors };
  }

  private node(input: unknown, path: string, depth: number): void {
    if (++this.nodes > L.maxNodes) {
      if (!this.tooLarge) this.cx.fail(path, `the rule tree has more than ${L.maxNodes} nodes`);
      this.tooLarge = true;
      return;
    }
    if (depth > L.maxDepth) return this.cx.fail(path, `nesting deeper than ${L.maxDepth} levels`);
    if (!isObj(input)) return this.cx.fail(path, 'expected a rule object');
    const kinds = ['all', 'any', 'not', 'attr', 'event', 'sequence', 'link', 'segment', 'favouriteChanged'].filter(
      (k) => k in input,
    );
    if (kinds.length !== 1) {
      return this.cx.fail(
        path,
        kinds.length === 0
          ? 'expected one of all, any, not, attr, event, sequence, link, segment, favouriteChanged'
          : `a rule node has exactly one kind; found ${kinds.join(', ')}`,
      );
    }
    switch (kinds[0]) {
      case 'all':
      case 'any':
        return this.group(input, kinds[0], path, depth);
      case 'not':
        this.cx.keys(input, path, ['not']);
        return this.node(input.not, `${path}.not`, depth + 1);
      case 'attr':
        return checkAttribute(this.cx, input, path, this.custom);
      case 'event':
        return checkEvent(this.cx, input, path);
      case 'sequence':
        return checkSequence(this.cx, input, path);
      case 'link':
        return this.link(input, path);
      case 'segment':
        this.cx.keys(input, path, ['segment']);
        if (typeof input.segment !== 'string' || !UUID.test(input.segment)) {
          this.cx.fail(`${path}.segment`, 'expected a segment id (uuid)');
        }
        return;
      default:
        return this.favouriteChanged(input, path);
    }
  }

  private group(input: Obj, kind: 'all' | 'any', path: string, depth: number): void {
    this.cx.keys(input, path, [kind]);
    const children = input[kind];
    if (!Array.isArray(children)) return this.cx.fail(`${path}.${kind}`, 'expected an array of rules');
    if (children.length === 0) return this.cx.fail(`${path}.${kind}`, 'expected at least one rule');
    if (children.length > L.maxNodes) return this.cx.fail(`${path}.${kind}`, `more than ${L.maxNodes} rules`);
    children.forEach((c, i) => this.node(c, `${path}.${kind}[${i}]`, depth + 1));
  }

  private link(input: Obj, path: string): void {
    this.cx.keys(input, path, ['link', 'value']);
    const state = input.link;
    if (typeof state !== 'string' || !(LINK_STATES as readonly string[]).includes(state)) {
      return this.cx.fail(`${path}.link`, `expected one of ${LINK_STATES.join(', ')}`);
    }
    const vpath = `${path}.value`;
    if (state !== 'method' && state !== 'richMenu') {
      if (input.value !== undefined) this.cx.fail(vpath, `link ${state} takes no value`);
      return;
    }
    const values = Array.isArray(input.value) ? (input.value as unknown[]) : [input.value];
    if (values.length === 0 || values.length > L.maxListLength) {
      return this.cx.fail(vpath, `expected a string or 1–${L.maxListLength} strings`);
    }
    values.forEach((v, i) => {
      const p = Array.isArray(input.value) ? `${vpath}[${i}]` : vpath;
      if (state === 'method' && !(LINK_METHODS as readonly unknown[]).includes(v)) {
        this.cx.fail(p, `expected a link method: ${LINK_METHODS.join(', ')}`);
      } else this.cx.string(v, p);
    });
  }

  private favouriteChanged(input: Obj, path: string): void {
    this.cx.keys(input, path, ['favouriteChanged']);
    const f = input.favouriteChanged;
    const p = `${path}.favouriteChanged`;
    if (!isObj(f)) return this.cx.fail(p, 'expected { changes, within }');
    this.cx.keys(f, p, ['changes', 'within']);
    const changes = f.changes;
    if (
      !Array.isArray(changes) ||
      changes.length === 0 ||
      !changes.every((c) => (CATALOG_CHANGES as readonly unknown[]).includes(c))
    ) {
      this.cx.fail(`${p}.changes`, `expected a non-empty array of ${CATALOG_CHANGES.join(', ')}`);
    }
    if (f.within === undefined) this.cx.fail(`${p}.within`, 'expected a window');
    else checkWindow(this.cx, f.within, `${p}.within`);
  }
}

export type { CustomAttributeType };
