import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { WebhookEventEntity, WebhookEventStatus } from '../entities/webhook-event.entity';
import { ParsedWebhookEvent } from '../core/webhook-body';

@Injectable()
export class WebhookEventsRepository {
  constructor(@InjectRepository(WebhookEventEntity) private readonly events: Repository<WebhookEventEntity>) {}

  /** Inserts the events; a webhookEventId already stored (redelivery) inserts nothing. Returns new row ids. */
  async insertNew(workspaceId: string, channelId: string, events: ParsedWebhookEvent[]): Promise<string[]> {
    if (events.length === 0) return [];
    const result = await this.events
      .createQueryBuilder()
      .insert()
      .values(
        events.map((e) => ({
          workspaceId,
          channelId,
          webhookEventId: e.webhookEventId,
          type: e.type,
          lineUserId: e.lineUserId,
          occurredAt: e.occurredAt,
          isRedelivery: e.isRedelivery,
          payload: e.raw,
        })) as QueryDeepPartialEntity<WebhookEventEntity>[],
      )
      .orIgnore()
      .returning(['id'])
      .execute();
    return (result.raw as Array<{ id: string }>).map((r) => r.id);
  }

  findById(id: string): Promise<WebhookEventEntity | null> {
    return this.events.findOne({ where: { id } });
  }

  async finish(id: string, status: WebhookEventStatus, outcome: string): Promise<void> {
    await this.events.update({ id }, { status, outcome: outcome.slice(0, 1000), processedAt: new Date() });
  }

  /** Stored but never enqueued (Redis was down at that moment), for the sweeper. */
  async pendingBefore(before: Date, limit: number): Promise<string[]> {
    const rows = await this.events.find({
      select: { id: true },
      where: { status: WebhookEventStatus.Pending, receivedAt: LessThan(before) },
      order: { receivedAt: 'ASC' },
      take: limit,
    });
    return rows.map((r) => r.id);
  }
}
