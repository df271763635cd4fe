import { LINE_MAX_USERS_PER_REQUEST } from '@app/line';
import { RichMenuCondition } from '../entities/rich-menu-rule.entity';

export interface AssignmentRule {
  condition: RichMenuCondition;
  segmentId: string | null;
  /** LINE's id of the rule's menu. */
  lineRichMenuId: string;
}

export interface AssignmentUser {
  memberId: string | null;
}

/**
 * The menu a user should see: the first matching rule's, or null for the channel default.
 * `inSegment` answers for the user's member (never called for unlinked users).
 */
export function desiredMenu(
  rules: AssignmentRule[],
  user: AssignmentUser,
  inSegment: (segmentId: string, memberId: string) => boolean,
): string | null {
  for (const rule of rules) {
    switch (rule.condition) {
      case RichMenuCondition.Always:
        return rule.lineRichMenuId;
      case RichMenuCondition.Linked:
        if (user.memberId !== null) return rule.lineRichMenuId;
        break;
      case RichMenuCondition.Unlinked:
        if (user.memberId === null) return rule.lineRichMenuId;
        break;
      case RichMenuCondition.Segment:
        if (user.memberId !== null && rule.segmentId !== null && inSegment(rule.segmentId, user.memberId)) {
          return rule.lineRichMenuId;
        }
        break;
    }
  }
  return null;
}

export interface MenuState {
  lineUserId: string;
  desired: string | null;
  actual: string | null;
}

export type MenuOperation =
  | { kind: 'link-user'; richMenuId: string; userIds: [string] }
  | { kind: 'unlink-user'; userIds: [string] }
  | { kind: 'bulk-link'; richMenuId: string; userIds: string[] }
  | { kind: 'bulk-unlink'; userIds: string[] };

const chunk = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/**
 * The LINE calls that bring actual menus to the desired ones: a lone change goes through the
 * per-user endpoint (applied at once), several changes to the same menu through bulk calls of at
 * most 500 users (one request instead of 500 against the same 2,000 req/s budget).
 */
export function planMenuChanges(states: MenuState[], batchSize = LINE_MAX_USERS_PER_REQUEST): MenuOperation[] {
  const links = new Map<string, string[]>();
  const unlinks: string[] = [];
  for (const s of states) {
    if (s.desired === s.actual) continue;
    if (s.desired === null) unlinks.push(s.lineUserId);
    else links.set(s.desired, [...(links.get(s.desired) ?? []), s.lineUserId]);
  }
  const ops: MenuOperation[] = [];
  for (const [richMenuId, userIds] of links) {
    if (userIds.length === 1) ops.push({ kind: 'link-user', richMenuId, userIds: [userIds[0]] });
    else for (const part of chunk(userIds, batchSize)) ops.push({ kind: 'bulk-link', richMenuId, userIds: part });
  }
  if (unlinks.length === 1) ops.push({ kind: 'unlink-user', userIds: [unlinks[0]] });
  else for (const part of chunk(unlinks, batchSize)) ops.push({ kind: 'bulk-unlink', userIds: part });
  return ops;
}
