import { Injectable } from '@nestjs/common';
import { memberTestSql, membersInSql } from './rules/segment-query';
import { SEGMENT_QUERY_LIMITS, SegmentsRepository } from './segments.repository';
import { SegmentCounts, SegmentsService, segmentCounts } from './segments.service';

/** A saved segment's audience on a channel now, in SQL: its cached count, and who is in it. */
@Injectable()
export class SegmentAudienceService {
  constructor(
    private readonly segments: SegmentsService,
    private readonly repository: SegmentsRepository,
  ) {}

  /** Counts a saved segment on its channel and caches the figures (the refresh job). */
  async refreshCount(workspaceId: string, id: string, now = new Date()): Promise<SegmentCounts> {
    const segment = await this.segments.get(workspaceId, id);
    const p = await this.segments.prepare(workspaceId, segment.rules, id);
    const c = this.segments.compile(p, workspaceId, segment.channelId, now);
    const counts = await this.repository.countMembers(c, SEGMENT_QUERY_LIMITS.snapshotTimeoutMs);
    const result = segmentCounts(counts, p.restrictToReachable);
    await this.repository.saveCount(workspaceId, id, segment.version, result);
    return result;
  }

  /** Whether a member is in a saved segment's audience on a channel now (one indexed query). */
  async isMember(workspaceId: string, channelId: string, segmentId: string, memberId: string, now = new Date()) {
    const segment = await this.segments.get(workspaceId, segmentId);
    const p = await this.segments.prepare(workspaceId, segment.rules, segmentId);
    const c = this.segments.compile(p, workspaceId, channelId, now);
    const ref = c.params.add(memberId, 'bigint');
    return this.repository.guarded(SEGMENT_QUERY_LIMITS.previewTimeoutMs, async (em) => {
      const [row] = await em.query<Array<{ hit: boolean }>>(
        memberTestSql(c, p.restrictToReachable, ref),
        c.params.values,
      );
      return row.hit;
    });
  }

  /** Of some members, those in a saved segment's audience on its channel now (rich menus). */
  async membersIn(workspaceId: string, segmentId: string, memberIds: string[], now = new Date()): Promise<Set<string>> {
    if (memberIds.length === 0) return new Set();
    const segment = await this.segments.get(workspaceId, segmentId);
    const p = await this.segments.prepare(workspaceId, segment.rules, segmentId);
    const c = this.segments.compile(p, workspaceId, segment.channelId, now);
    const ref = c.params.add(memberIds, 'bigint[]');
    const rows = await this.repository.guarded(SEGMENT_QUERY_LIMITS.previewTimeoutMs, (em) =>
      em.query<Array<{ member_id: string }>>(membersInSql(c, p.restrictToReachable, ref), c.params.values),
    );
    return new Set(rows.map((r) => r.member_id));
  }
}
