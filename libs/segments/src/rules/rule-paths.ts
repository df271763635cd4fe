import { Rule, isAll, isAny, isNot, isSegment } from './rule.types';

/** Each `segment` reference of a tree with the path of its node (`rules.all[1].segment`). */
export function segmentReferences(rule: Rule, path = 'rules'): Array<{ id: string; path: string }> {
  if (isSegment(rule)) return [{ id: rule.segment, path: `${path}.segment` }];
  if (isAll(rule)) return rule.all.flatMap((r, i) => segmentReferences(r, `${path}.all[${i}]`));
  if (isAny(rule)) return rule.any.flatMap((r, i) => segmentReferences(r, `${path}.any[${i}]`));
  if (isNot(rule)) return segmentReferences(rule.not, `${path}.not`);
  return [];
}
