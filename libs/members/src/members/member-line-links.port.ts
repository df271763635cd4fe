/**
 * The members lib does not know how LINE accounts are linked; the linking lib contributes that
 * view by providing MEMBER_LINE_LINKS from a @Global() module:
 * `{ provide: MEMBER_LINE_LINKS, useExisting: LinkingMemberLinks }`. Without a provider the
 * member view has `line: []`.
 */
export const MEMBER_LINE_LINKS = Symbol('MEMBER_LINE_LINKS');

export interface MemberLineLinkView {
  channelId: string;
  /** Only for callers with the admin scope: LINE user IDs never reach other callers. */
  lineUserId?: string;
  method?: string | null;
  linkedAt: string | null;
  /** e.g. following, blocked: whatever the linking lib knows. */
  status?: string;
}

export interface MemberLineLinks {
  /** `memberId` is members.id (bigint as string). */
  linksOf(workspaceId: string, memberId: string, showLineUserIds: boolean): Promise<MemberLineLinkView[]>;
}
