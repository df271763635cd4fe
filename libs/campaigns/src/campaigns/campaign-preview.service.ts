import { Injectable } from '@nestjs/common';
import { ChannelsService } from '@app/workspaces';
import { DeliveryClock, capWindowStart, estimateRequests, isPersonalised, quotaFit } from '@app/delivery';
import { CampaignCategory } from '../entities/campaign.entity';
import { CampaignRunEntity, RunSource } from '../entities/campaign-run.entity';
import { CampaignsException } from '../campaigns.exception';
import { AudienceSnapshotter } from '../planning/audience-snapshotter';
import { PlannerRepository } from '../planning/planner.repository';
import { sourceOf } from '../outbox/campaign-scheduler.service';
import { CampaignsService } from './campaigns.service';
import { DeliveryPolicyService } from './delivery-policy.service';

/**
 * What a campaign would do if it started now, without sending: audience, reachable, skips by rule,
 * LINE requests and messages against the channel's remaining monthly quota.
 */
@Injectable()
export class CampaignPreviewService {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly channels: ChannelsService,
    private readonly clock: DeliveryClock,
    private readonly policy: DeliveryPolicyService,
    private readonly planner: PlannerRepository,
    private readonly snapshotter: AudienceSnapshotter,
  ) {}

  async preview(workspaceId: string, id: string): Promise<Record<string, unknown>> {
    const c = await this.campaigns.getEntity(workspaceId, id);
    if (c.audience === null)
      throw CampaignsException.invalidState('Event-triggered campaigns have no audience to preview');
    const channel = await this.channels.get(workspaceId, c.channelId);
    let source: RunSource = sourceOf(c);
    const now = this.clock.now();
    if (source.kind === 'segment') {
      source = {
        ...source,
        snapshotId: await this.snapshotter.snapshot(workspaceId, channel.id, source.segmentId, now),
      };
    }
    const cap = await this.policy.frequencyCap(channel.id);
    const marketing = c.category === CampaignCategory.Marketing;
    const run = {
      workspaceId,
      id: '00000000-0000-0000-0000-000000000000',
      source,
      nextBatchSeq: 0,
    } as CampaignRunEntity;
    const { total, byRule } = await this.planner.countByRule(run, {
      channelId: channel.id,
      campaignId: c.id,
      countsTowardCap: marketing,
      capMax: marketing ? cap.max : 0,
      capSince: capWindowStart(now, cap),
      quotaLeft: null,
      availableAt: now,
    });
    const reachable = byRule.reachable ?? 0;
    const skipped = Object.fromEntries(Object.entries(byRule).filter(([k]) => k !== 'reachable'));
    const quota = await this.policy.quota(channel);
    const fit = quotaFit(reachable, c.messages.length, quota.remaining);
    return {
      audienceSize: total,
      reachable,
      skipped,
      requests: estimateRequests(reachable, isPersonalised(c.messages)),
      messages: fit.needed,
      quota: { ...quota, fits: fit.fits, recipientsWithinQuota: fit.allowed, policy: c.quotaPolicy },
    };
  }
}
