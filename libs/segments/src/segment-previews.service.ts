import { Injectable } from '@nestjs/common';
import { ChannelsService } from '@app/workspaces';
import { countByProbeSql, countSql, countSqls, sampleSql } from './rules/segment-query';
import { SEGMENT_QUERY_LIMITS, SegmentsRepository } from './segments.repository';
import { SegmentCounts, SegmentsService } from './segments.service';

export interface PreviewResult extends SegmentCounts {
  restrictedToReachable: boolean;
  sample: Array<{ memberId: string; externalId: string; lineUserId: string | null }>;
  evaluatedAt: string;
}

/** Rule trees evaluated without saving anything: counts and a sample, and the compiled SQL. */
@Injectable()
export class SegmentPreviewsService {
  constructor(
    private readonly segments: SegmentsService,
    private readonly repository: SegmentsRepository,
    private readonly channels: ChannelsService,
  ) {}

  /** The compiled SQL of the audience query and its parameters (admin debug endpoint). */
  async debugSql(workspaceId: string, channelId: string, rules: unknown, now = new Date()) {
    await this.channels.get(workspaceId, channelId);
    const p = await this.segments.prepare(workspaceId, rules);
    const c = this.segments.compile(p, workspaceId, channelId, now);
    return {
      count: countSql(c),
      countByProbe: countByProbeSql(c),
      sample: sampleSql(c, p.restrictToReachable, 10),
      params: c.params.values,
      restrictedToReachable: p.restrictToReachable,
    };
  }

  async preview(
    workspaceId: string,
    channelId: string,
    rules: unknown,
    options: { sampleSize?: number; now?: Date } = {},
  ): Promise<PreviewResult> {
    await this.channels.get(workspaceId, channelId);
    const p = await this.segments.prepare(workspaceId, rules);
    const now = options.now ?? new Date();
    const c = this.segments.compile(p, workspaceId, channelId, now);
    const sampleSize = Math.min(Math.max(Math.trunc(options.sampleSize ?? 10), 0), 100);
    return this.repository.guarded(SEGMENT_QUERY_LIMITS.previewTimeoutMs, async (em) => {
      const [counts] = await this.repository.cheapest<{ matching: number; reachable: number }>(
        em,
        countSqls(c),
        c.params.values,
      );
      const sample =
        sampleSize === 0
          ? []
          : await em.query<Array<{ member_id: string; external_id: string; line_user_id: string | null }>>(
              sampleSql(c, p.restrictToReachable, sampleSize),
              c.params.values,
            );
      return {
        matching: counts.matching,
        reachable: counts.reachable,
        audience: p.restrictToReachable ? counts.reachable : counts.matching,
        restrictedToReachable: p.restrictToReachable,
        sample: sample.map((s) => ({ memberId: s.member_id, externalId: s.external_id, lineUserId: s.line_user_id })),
        evaluatedAt: now.toISOString(),
      };
    });
  }
}
