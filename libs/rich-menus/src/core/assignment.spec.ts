import { RichMenuCondition } from '../entities/rich-menu-rule.entity';
import { desiredMenu, planMenuChanges } from './assignment';

describe('desiredMenu', () => {
  const rules = [
    { condition: RichMenuCondition.Segment, segmentId: 'gold', lineRichMenuId: 'rm-gold' },
    { condition: RichMenuCondition.Linked, segmentId: null, lineRichMenuId: 'rm-member' },
    { condition: RichMenuCondition.Unlinked, segmentId: null, lineRichMenuId: 'rm-guest' },
  ];
  const goldMembers = new Set(['m1']);
  const inSegment = (segmentId: string, memberId: string): boolean => segmentId === 'gold' && goldMembers.has(memberId);

  it('takes the first matching rule in order', () => {
    expect(desiredMenu(rules, { memberId: 'm1' }, inSegment)).toBe('rm-gold');
    expect(desiredMenu(rules, { memberId: 'm2' }, inSegment)).toBe('rm-member');
    expect(desiredMenu(rules, { memberId: null }, inSegment)).toBe('rm-guest');
  });

  it('falls back to the default menu (null) when nothing matches', () => {
    expect(desiredMenu(rules.slice(0, 2), { memberId: null }, inSegment)).toBeNull();
    expect(desiredMenu([], { memberId: 'm1' }, inSegment)).toBeNull();
  });

  it('never asks about segments for unlinked users', () => {
    const ask = jest.fn(() => true);
    desiredMenu(rules, { memberId: null }, ask);
    expect(ask).not.toHaveBeenCalled();
  });
});

describe('planMenuChanges', () => {
  it('uses per-user calls for lone changes and skips users already right', () => {
    expect(
      planMenuChanges([
        { lineUserId: 'U1', desired: 'a', actual: null },
        { lineUserId: 'U2', desired: null, actual: 'a' },
        { lineUserId: 'U3', desired: 'b', actual: 'b' },
      ]),
    ).toEqual([
      { kind: 'link-user', richMenuId: 'a', userIds: ['U1'] },
      { kind: 'unlink-user', userIds: ['U2'] },
    ]);
  });

  it('batches many changes per menu in bulk calls of at most 500', () => {
    const states = Array.from({ length: 1_201 }, (_, i) => ({
      lineUserId: `U${i}`,
      desired: i % 2 === 0 ? 'a' : null,
      actual: i % 2 === 0 ? null : 'x',
    }));
    const ops = planMenuChanges(states);
    expect(ops.map((o) => [o.kind, o.userIds.length])).toEqual([
      ['bulk-link', 500],
      ['bulk-link', 101],
      ['bulk-unlink', 500],
      ['bulk-unlink', 100],
    ]);
    expect(new Set(ops.flatMap((o) => o.userIds)).size).toBe(1_201);
  });
});
