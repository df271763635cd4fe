import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BulkResult, rejectionDetails, withRetry } from '../domain/bulk-result';
import { EventRecord, parseEvent } from '../domain/event-input';
import { RecordRejection } from '../domain/field-error';
import { UnknownMemberPolicy } from '../entities/ingestion-settings.entity';
import { MembersException } from '../members.exception';
import { IngestionContext, IngestionContextService } from '../members/ingestion-context.service';
import { MembersRepository } from '../members/members.repository';
import { IngestOptions } from '../members/members.service';
import { TriggerPublisher } from '../outbox/trigger-publisher';
import { EventRow, EventsRepository } from './events.repository';

export interface EventIngestOptions extends IngestOptions {
  /** Overrides the workspace setting for this request. */
  unknownMembers?: UnknownMemberPolicy;
}

class AtomicRollback extends Error {
  constructor(readonly rejected: RecordRejection[]) {
    super('atomic batch rejected');
  }
}

@Injectable()
export class EventsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventsRepository,
    private readonly members: MembersRepository,
    private readonly context: IngestionContextService,
    private readonly publisher: TriggerPublisher,
  ) {}

  /**
   * Validates, stores in one transaction (members resolved or created, events inserted,
   * aggregates folded, outbox row written), then publishes after the commit. A repeated event id
   * counts as a duplicate, not an error.
   */
  async ingest(
    workspaceId: string,
    records: unknown[],
    options: EventIngestOptions,
    ctx?: IngestionContext,
  ): Promise<BulkResult> {
    const c = ctx ?? (await this.context.load(workspaceId));
    const rejected: RecordRejection[] = [...(options.preRejected ?? [])];
    const valid: Array<{ i: number; event: EventRecord }> = [];
    const now = Date.now();
    records.forEach((record, i) => {
      const parsed = parseEvent(record, now);
      if (parsed.ok) valid.push({ i, event: parsed.value });
      else for (const e of parsed.errors) rejected.push({ ...options.position(i), ...e });
    });
    if (options.atomic && rejected.length > 0) throw MembersException.atomicRejected(rejectionDetails(rejected));
    const create = (options.unknownMembers ?? c.unknownMemberPolicy) === UnknownMemberPolicy.Create;
    try {
      const { inserted, outboxId, unknown } = await withRetry(() =>
        this.db.transaction(async (em) => {
          const ids = await this.members.resolve(
            em,
            workspaceId,
            [...new Set(valid.map((v) => v.event.memberExternalId))],
            create,
          );
          const rows: EventRow[] = [];
          const unknownMember: RecordRejection[] = [];
          for (const { i, event } of valid) {
            const memberId = ids.get(event.memberExternalId);
            if (memberId === undefined) {
              unknownMember.push({
                ...options.position(i),
                field: 'memberId',
                reason: `unknown member "${event.memberExternalId}" (unknownMembers=reject)`,
              });
              continue;
            }
            rows.push({
              memberId,
              eventId: event.eventId,
              type: event.type,
              name: event.name,
              occurredAt: event.occurredAt,
              amount: event.amount,
              sku: event.sku,
              properties: event.properties,
            });
          }
          if (options.atomic && unknownMember.length > 0) throw new AtomicRollback(unknownMember);
          return { ...(await this.events.insert(em, workspaceId, rows)), unknown: unknownMember, stored: rows.length };
        }),
      );
      this.publisher.publishAfterCommit(outboxId);
      rejected.push(...unknown);
      const attempted = valid.length - unknown.length;
      return { accepted: inserted, duplicates: attempted - inserted, rejected };
    } catch (e) {
      if (e instanceof AtomicRollback) throw MembersException.atomicRejected(rejectionDetails(e.rejected));
      throw e;
    }
  }
}
