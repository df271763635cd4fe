import { Injectable } from '@nestjs/common';
import { ChannelsService } from '@app/workspaces';
import type { EntityManager } from 'typeorm';
import { freezeRule } from './rules/frozen-rule';
import { FillExtension, snapshotFillSql, snapshotInsertSql } from './rules/segment-query';
import type { SqlParams } from './rules/sql-params';
import { SEGMENT_QUERY_LIMITS, SegmentsRepository } from './segments.repository';
import { SegmentsException } from './segments.exception';
import { SegmentsService } from './segments.service';

/** Adds a snapshot's next page to it, in the caller's transaction. */
export interface SnapshotFiller {
  /** The audience members after `after` (at most `limit`, ascending) added as chunks; returns how many. */
  fill(em: EntityManager, after: string, limit: number): Promise<number>;
  /**
   * The same, and the caller's own work on the page in the same statement (see FillExtension;
   * its values go through `params`): one pass over the page, no round trip. Returns the row.
   * With `until`, only members up to that id are read: a page of a sparse audience then ends
   * there instead of reading every member after it to fill `limit`.
   */
  fillWith<R>(
    em: EntityManager,
    after: string,
    limit: number,
    then: (params: SqlParams) => FillExtension,
    until?: string,
  ): Promise<R & { size: number }>;
}

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
    const { segment, p } = await this.prepareSegment(workspaceId, channelId, segmentId);
    const c = this.segments.compile(p, workspaceId, channelId, now);
    return this.repository.guarded(SEGMENT_QUERY_LIMITS.snapshotTimeoutMs, async (em) => {
      const frozen = freezeRule(p.rule, p.segments);
      const id = await this.repository.insertSnapshot(em, workspaceId, segment, channelId, frozen, now);
      const ref = c.params.add(id, 'uuid');
      const [{ size }] = await em.query<Array<{ size: number }>>(
        snapshotInsertSql(c, p.restrictToReachable, ref),
        c.params.values,
      );
      await em.query(`UPDATE segment_snapshots SET size = $2 WHERE id = $1`, [id, size]);
      return { snapshotId: id, size };
    });
  }

  /**
   * An empty snapshot of the segment's audience at `now`, which its reader fills page by page in
   * member order ({@link filler}): a campaign run plans each page from the snapshot in the
   * transaction that added it, so the audience is evaluated once and the first batches go out
   * while the rest is still to be read. Complete once a fill comes back short, or, for fills bounded
   * by `until`, once one reaches past the workspace's last member (the reader knows which).
   */
  async open(workspaceId: string, channelId: string, segmentId: string, now: Date): Promise<string> {
    const { segment, p } = await this.prepareSegment(workspaceId, channelId, segmentId);
    return this.repository.insertSnapshot(
      this.repository.manager(),
      workspaceId,
      segment,
      channelId,
      freezeRule(p.rule, p.segments),
      now,
    );
  }

  /**
   * The filler of a snapshot opened by {@link open}: its frozen rules, compiled at its instant
   * (also in a process that resumes the run after a crash). Reads what it needs now, before the
   * caller's page transactions.
   */
  async filler(workspaceId: string, snapshotId: string): Promise<SnapshotFiller> {
    const s = await this.repository.findSnapshot(workspaceId, snapshotId);
    if (s === null) throw SegmentsException.snapshotNotFound(snapshotId);
    const p = await this.segments.prepareFrozen(workspaceId, s.rules);
    const run = async <R>(
      em: EntityManager,
      after: string,
      limit: number,
      then?: (params: SqlParams) => FillExtension,
      until?: string,
    ): Promise<R & { size: number }> => {
      const c = this.segments.compile(p, workspaceId, s.channelId, s.evaluatedAt);
      const ref = c.params.add(snapshotId, 'uuid');
      const afterRef = c.params.add(after, 'bigint');
      const untilRef = until === undefined ? null : c.params.add(until, 'bigint');
      const ext = then?.(c.params);
      const [row] = await em.query<Array<R & { size: number }>>(
        snapshotFillSql(c, p.restrictToReachable, ref, afterRef, limit, ext, untilRef),
        c.params.values,
      );
      return row;
    };
    return {
      fill: async (em, after, limit) => (await run(em, after, limit)).size,
      fillWith: (em, after, limit, then, until) => run(em, after, limit, then, until),
    };
  }

  private async prepareSegment(workspaceId: string, channelId: string, segmentId: string) {
    await this.channels.get(workspaceId, channelId);
    const segment = await this.segments.get(workspaceId, segmentId);
    const p = await this.segments.prepare(workspaceId, segment.rules, segmentId);
    return { segment, p };
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
