import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { CampaignEntity } from '../entities/campaign.entity';
import type { CampaignRunEntity } from '../entities/campaign-run.entity';

/**
 * Last-moment checks of event runs, made when the run is due (the purchase that cancels a cart
 * reminder may have arrived at any time before): a purchase after the cart add cancels the
 * reminder; a purchase after the signup stops the step sequence (the member converted).
 */
@Injectable()
export class RunGuards {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async cancelReason(run: CampaignRunEntity, campaign: CampaignEntity): Promise<string | null> {
    if (campaign.trigger.type !== 'event' || run.triggerMemberId === null || run.triggerEventId === null) return null;
    const event = campaign.trigger.event;
    if (event !== 'cart_abandoned' && event !== 'signup_sequence') return null;
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM events p, events e
       WHERE e.id = $2 AND p.workspace_id = e.workspace_id AND p.member_id = $1 AND p.type = 'purchase'
         AND p.occurred_at >= e.occurred_at LIMIT 1`,
      [run.triggerMemberId, run.triggerEventId],
    );
    if (rows.length === 0) return null;
    return event === 'cart_abandoned' ? 'purchased after the cart add' : 'converted (purchased)';
  }
}
