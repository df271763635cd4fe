/**
 * How rich-menu rules ask about segments, implemented by the segments lib. Provide it under
 * {@link SEGMENT_MEMBERSHIP} from a @Global() module (e.g.
 * `{ provide: SEGMENT_MEMBERSHIP, useExisting: SegmentMembershipService }`); without one, no
 * segment rule ever matches.
 */
export interface SegmentMembershipPort {
  /** Of the given members (members.id), those currently in the segment. */
  membersIn(workspaceId: string, segmentId: string, memberIds: string[]): Promise<Set<string>>;
}

export const SEGMENT_MEMBERSHIP = Symbol('SEGMENT_MEMBERSHIP');

/** The default until segments exist: nobody is in any segment. */
export class NoSegmentMembership implements SegmentMembershipPort {
  membersIn(): Promise<Set<string>> {
    return Promise.resolve(new Set());
  }
}
