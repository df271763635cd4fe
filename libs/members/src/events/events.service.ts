import { Injectable } from '@nestjs/common';
import { Coalescer } from '@app/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BulkResult, rejectionDetails, withRetry } from '../domain/bulk-result';
import { EventRecord, parseEvent } from '../domain/event-input';
import { RecordRejection } from '../domain/field-error';
import { UnknownMemberPolicy } from '../entities/ingestion-settings.entity';
import { MembersException } from '../members.exception';
import { IngestionContext } from '../members/ingestion-context.service';
import { IngestOptions } from '../members/members.service';
import { TRIGGER_BATCH_MAX_EVENTS, TriggerPublisher } from '../outbox/trigger-publisher';
import { EventOutcome, EventsRepository, InsertResult } from './events.repository';

interface SingleEvent {
  workspaceId: string;
  create: boolean | null;
  event: EventRecord;
}

export interface EventIngestOptions extends IngestOptions {
  /** Overrides the workspace setting for this request. */
  unknownMembers?: UnknownMemberPolicy;
}

class AtomicRollback extends Error {
  constructor(readonly unknown: Set<string>) {
    super('atomic batch rejected');
  }
}

@Injectable()
export class EventsService {
  /**
   * One-event requests (a shop's webhook per purchase) share statements: each was its own
   * statement and commit, and at a few hundred per second PostgreSQL spent its time on commits
   * (sessions waiting on the WAL write lock) while requests queued in the api. A lone request
   * still goes at once; those that arrive while `concurrency` statements run go in the next one.
   */
  private readonly singles = new Coalescer<SingleEvent, EventOutcome>((items) => this.storeSingles(items), {
    key: (s) => s.event.eventId,
    partition: (s) => `${s.workspaceId}:${String(s.create)}`,
    // One outbox row per statement: within the stream relay's inline limit however far behind.
    maxGroup: TRIGGER_BATCH_MAX_EVENTS,
    concurrency: 4,
  });

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventsRepository,
    private readonly publisher: TriggerPublisher,
  ) {}

  /**
   * Validates, then stores in one statement (members resolved or created, events inserted,
   * aggregates folded, outbox row written), and announces the outbox row after the commit. A
   * repeated event id counts as a duplicate, not an error. The workspace's unknown-member policy
   * is read by that statement unless the request (or the import's `ctx`) says which.
   */
  async ingest(
    workspaceId: string,
    records: unknown[],
    options: EventIngestOptions,
    ctx?: IngestionContext,
  ): Promise<BulkResult> {
    const rejected: RecordRejection[] = [...(options.preRejected ?? [])];
    const valid: Array<{ i: number; event: EventRecord }> = [];
    const now = Date.now();
    records.forEach((record, i) => {
      const parsed = parseEvent(record, now);
      if (parsed.ok) valid.push({ i, event: parsed.value });
      else for (const e of parsed.errors) rejected.push({ ...options.position(i), ...e });
    });
    if (options.atomic && rejected.length > 0) throw MembersException.atomicRejected(rejectionDetails(rejected));
    if (valid.length === 0) return { accepted: 0, duplicates: 0, rejected };
    const policy = options.unknownMembers ?? ctx?.unknownMemberPolicy;
    const create = policy === undefined ? null : policy === UnknownMemberPolicy.Create;
    const events = valid.map((v) => v.event);
    if (!options.atomic && events.length === 1) {
      const outcome = await this.singles.run({ workspaceId, create, event: events[0] });
      const unknown =
        outcome === 'unknown' ? this.unknownRejections(valid, new Set([events[0].memberExternalId]), options) : [];
      return {
        accepted: outcome === 'inserted' ? 1 : 0,
        duplicates: outcome === 'duplicate' ? 1 : 0,
        rejected: [...rejected, ...unknown],
      };
    }
    let result: InsertResult;
    try {
      result = options.atomic
        ? await withRetry(() =>
            this.db.transaction(async (em) => {
              const r = await this.events.insert(em, workspaceId, events, create);
              if (r.unknown.size > 0) throw new AtomicRollback(r.unknown);
              return r;
            }),
          )
        : await this.events.insert(null, workspaceId, events, create);
    } catch (e) {
      if (e instanceof AtomicRollback) {
        throw MembersException.atomicRejected(rejectionDetails(this.unknownRejections(valid, e.unknown, options)));
      }
      throw e;
    }
    for (const id of result.outboxIds) this.publisher.publishAfterCommit(workspaceId, id);
    const unknown = this.unknownRejections(valid, result.unknown, options);
    rejected.push(...unknown);
    const attempted = valid.length - unknown.length;
    return { accepted: result.inserted, duplicates: attempted - result.inserted, rejected };
  }

  /** One statement for the one-event requests of a workspace (and member policy). */
  private async storeSingles(items: SingleEvent[]): Promise<EventOutcome[]> {
    const { workspaceId, create } = items[0];
    const { outcomes, outboxIds } = await this.events.insertEach(
      workspaceId,
      items.map((i) => i.event),
      create,
    );
    for (const id of outboxIds) this.publisher.publishAfterCommit(workspaceId, id);
    return outcomes;
  }

  private unknownRejections(
    valid: Array<{ i: number; event: EventRecord }>,
    unknown: Set<string>,
    options: EventIngestOptions,
  ): RecordRejection[] {
    if (unknown.size === 0) return [];
    return valid
      .filter((v) => unknown.has(v.event.memberExternalId))
      .map((v) => ({
        ...options.position(v.i),
        field: 'memberId',
        reason: `unknown member "${v.event.memberExternalId}" (unknownMembers=reject)`,
      }));
  }
}
