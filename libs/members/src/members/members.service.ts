import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BulkResult, rejectionDetails, withRetry } from '../domain/bulk-result';
import { RecordRejection } from '../domain/field-error';
import { MemberPatch, mergePatches, parseMember } from '../domain/member-input';
import { MembersErrorCode, MembersException } from '../members.exception';
import { IngestionContext, IngestionContextService } from './ingestion-context.service';
import { MEMBER_LINE_LINKS, MemberLineLinks } from './member-line-links.port';
import {
  MemberDetailsView,
  MemberRef,
  MemberView,
  toAggregatesView,
  toEventView,
  toMemberRef,
  toMemberView,
} from './member.view';
import { MembersRepository } from './members.repository';

export interface IngestOptions {
  atomic: boolean;
  /** CSV: values are text. */
  fromText?: boolean;
  /** Where records[i] came from: its index in the request, or its line in a file. */
  position: (i: number) => { index: number } | { line: number };
  /** Problems found before validation (bad NDJSON lines), reported with the others. */
  preRejected?: RecordRejection[];
}

const RECENT_EVENTS = 20;

@Injectable()
export class MembersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repository: MembersRepository,
    private readonly context: IngestionContextService,
    @Optional() @Inject(MEMBER_LINE_LINKS) private readonly lineLinks?: MemberLineLinks,
  ) {}

  /** PUT /members/{externalId}: one upsert; a bad field is a 400 naming it. */
  async upsertOne(
    workspaceId: string,
    externalId: string,
    body: unknown,
  ): Promise<{ created: boolean; member: MemberView }> {
    const ctx = await this.context.load(workspaceId);
    const parsed = parseMember(body, { attributeTypes: ctx.attributeTypes, today: ctx.today, externalId });
    if (!parsed.ok) throw MembersException.invalid(parsed.errors);
    const { created } = await withRetry(() =>
      this.db.transaction((em) => this.repository.upsert(em, workspaceId, [parsed.value])),
    );
    const member = await this.repository.findByExternalId(workspaceId, externalId);
    if (member === null)
      throw MembersException.notFound(MembersErrorCode.MemberNotFound, `Member ${externalId} not found`);
    return { created: created > 0, member: toMemberView(member, ctx.today) };
  }

  /** Bulk upsert (HTTP bulk and imports): good records are stored, bad ones reported. */
  async ingest(
    workspaceId: string,
    records: unknown[],
    options: IngestOptions,
    ctx?: IngestionContext,
  ): Promise<BulkResult> {
    const c = ctx ?? (await this.context.load(workspaceId));
    const rejected: RecordRejection[] = [...(options.preRejected ?? [])];
    const byId = new Map<string, MemberPatch>();
    let bad = 0;
    records.forEach((record, i) => {
      const parsed = parseMember(record, {
        attributeTypes: c.attributeTypes,
        today: c.today,
        fromText: options.fromText,
      });
      if (!parsed.ok) {
        bad++;
        for (const e of parsed.errors) rejected.push({ ...options.position(i), ...e });
        return;
      }
      const previous = byId.get(parsed.value.externalId);
      byId.set(parsed.value.externalId, previous === undefined ? parsed.value : mergePatches(previous, parsed.value));
    });
    if (options.atomic && rejected.length > 0) throw MembersException.atomicRejected(rejectionDetails(rejected));
    const patches = [...byId.values()];
    if (patches.length > 0) {
      await withRetry(() => this.db.transaction((em) => this.repository.upsert(em, workspaceId, patches)));
    }
    return { accepted: records.length - bad, duplicates: 0, rejected };
  }

  async get(workspaceId: string, externalId: string, showLineUserIds = false): Promise<MemberDetailsView> {
    const member = await this.repository.findByExternalId(workspaceId, externalId);
    if (member === null)
      throw MembersException.notFound(MembersErrorCode.MemberNotFound, `Member ${externalId} not found`);
    const [ctx, details, line] = await Promise.all([
      this.context.load(workspaceId),
      this.repository.details(workspaceId, member, RECENT_EVENTS),
      this.lineLinks?.linksOf(workspaceId, member.id, showLineUserIds) ?? Promise.resolve([]),
    ]);
    return {
      ...toMemberView(member, ctx.today),
      line,
      aggregates: toAggregatesView(details.aggregates),
      recentEvents: details.recentEvents.map(toEventView),
    };
  }

  /** For other libs (linking): the member by its externalId or its id, or null when there is none. */
  async findRef(workspaceId: string, key: { externalId: string } | { id: string }): Promise<MemberRef | null> {
    const member =
      'externalId' in key
        ? await this.repository.findByExternalId(workspaceId, key.externalId)
        : await this.repository.findById(workspaceId, key.id);
    return member === null ? null : toMemberRef(member);
  }

  /** Erasure under privacy law: the member and everything referencing them (FK cascade). */
  async erase(workspaceId: string, externalId: string): Promise<void> {
    if (!(await this.repository.delete(workspaceId, externalId))) {
      throw MembersException.notFound(MembersErrorCode.MemberNotFound, `Member ${externalId} not found`);
    }
  }
}
