import { Injectable } from '@nestjs/common';
import { ChannelsService } from '@app/workspaces';
import { Rule } from './rules/rule.types';
import { snapshotInsertSql } from './rules/segment-query';
import { SEGMENT_QUERY_LIMITS, SegmentsRepository } from './segments.repository';
import { SegmentsException } from './segments.exception';
import { SegmentsService } from './segments.service';

export interface SnapshotResult {
  snapshotId: string;
  size: number;
}

/** Frozen audiences of saved segments (what a campaign sends to): taking one, reading it. */
@Injectable()
export class SegmentSnapshotsService {
  constructor(
    private readonly segments: SegmentsService,
    private readonly repository: SegmentsRepository,
    private readonly channels: ChannelsService,
  ) {}

  /**
   * Freezes the audience of a saved segment on a channel: one INSERT … SELECT (the member ids
   * never pass through Node). The snapshot keeps the version and the inlined rules it used.
   */
  async snapshot(workspaceId: string, channelId: string, segmentId: string, now = new Date()): Promise<SnapshotResult> {
    await this.channels.get(workspaceId, channelId);
    const segment = await this.segments.get(workspaceId, segmentId);
    const p = await this.segments.prepare(workspaceId, segment.rules, segmentId);
    const c = this.segments.compile(p, workspaceId, channelId, now);
    const frozen: Rule =
      p.segments.size === 0 ? p.rule : ({ all: [p.rule], segments: Object.fromEntries(p.segments) } as unknown as Rule);
    return this.repository.guarded(SEGMENT_QUERY_LIMITS.snapshotTimeoutMs, async (em) => {
      const [{ id }] = await em.query<Array<{ id: string }>>(
        `INSERT INTO segment_snapshots (workspace_id, segment_id, segment_version, channel_id, rules, size, evaluated_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING id`,
        [workspaceId, segmentId, segment.version, channelId, JSON.stringify(frozen), now.toISOString()],
      );
      const ref = c.params.add(id, 'uuid');
      const [{ size }] = await em.query<Array<{ size: number }>>(
        snapshotInsertSql(c, p.restrictToReachable, ref),
        c.params.values,
      );
      await em.query(`UPDATE segment_snapshots SET size = $2 WHERE id = $1`, [id, size]);
      return { snapshotId: id, size };
    });
  }

  async getSnapshot(workspaceId: string, snapshotId: string) {
    const s = await this.repository.findSnapshot(workspaceId, snapshotId);
    if (s === null) throw SegmentsException.snapshotNotFound(snapshotId);
    return {
      id: s.id,
      segmentId: s.segmentId,
      segmentVersion: s.segmentVersion,
      channelId: s.channelId,
      size: s.size,
      evaluatedAt: s.evaluatedAt.toISOString(),
      createdAt: s.createdAt.toISOString(),
    };
  }

  /** A page of a snapshot's audience, ascending member id; pass the last memberId to continue. */
  async snapshotMembers(workspaceId: string, snapshotId: string, afterMemberId: string | null, limit = 1000) {
    await this.getSnapshot(workspaceId, snapshotId);
    return this.repository.snapshotMembers(
      workspaceId,
      snapshotId,
      afterMemberId,
      Math.min(Math.max(limit, 1), 10_000),
    );
  }
}
