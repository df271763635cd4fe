import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { InjectTypedQueue, QueueName, TypedQueue } from '@app/common';
import { BulkResult } from '../domain/bulk-result';
import { RecordRejection } from '../domain/field-error';
import { ImportEntity, ImportFormat, ImportKind, ImportStatus } from '../entities/import.entity';
import { UnknownMemberPolicy } from '../entities/ingestion-settings.entity';
import { EventsService } from '../events/events.service';
import { MembersErrorCode, MembersException } from '../members.exception';
import { IngestionContextService } from '../members/ingestion-context.service';
import { MembersService } from '../members/members.service';
import { fileRecords, ImportFileError } from './import-records';
import { ImportsRepository } from './imports.repository';

const CHUNK_BYTES = 1024 * 1024;
const BATCH = 5_000;

export interface ImportView {
  id: string;
  kind: ImportKind;
  format: ImportFormat;
  status: ImportStatus;
  sizeBytes: number;
  rowsRead: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** The first 1,000 rejections, with their line in the file. */
  rejections: Array<{ line: number; field: string; reason: string }>;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export const toImportView = (i: ImportEntity): ImportView => ({
  id: i.id,
  kind: i.kind,
  format: i.format,
  status: i.status,
  sizeBytes: Number(i.sizeBytes),
  rowsRead: i.rowsRead,
  accepted: i.accepted,
  duplicates: i.duplicates,
  rejected: i.rejectedCount,
  rejections: i.rejections,
  error: i.error,
  createdAt: i.createdAt.toISOString(),
  updatedAt: i.updatedAt.toISOString(),
  finishedAt: i.finishedAt === null ? null : i.finishedAt.toISOString(),
});

@Injectable()
export class ImportsService {
  constructor(
    private readonly repository: ImportsRepository,
    private readonly members: MembersService,
    private readonly events: EventsService,
    private readonly context: IngestionContextService,
    @InjectTypedQueue(QueueName.Imports) private readonly queue: TypedQueue<QueueName.Imports>,
  ) {}

  /** Stores the uploaded stream in 1 MiB chunks as it arrives, then queues the import. */
  async upload(
    workspaceId: string,
    kind: ImportKind,
    format: ImportFormat,
    body: AsyncIterable<Buffer | string> | Iterable<Buffer>,
    options: { unknownMembers?: UnknownMemberPolicy },
  ): Promise<ImportView> {
    const created = await this.repository.create(workspaceId, kind, format, { ...options });
    let seq = 0;
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      await this.repository.addChunk(workspaceId, created.id, seq++, Buffer.concat(pending));
      pending = [];
      pendingBytes = 0;
    };
    for await (const piece of body) {
      const buffer = typeof piece === 'string' ? Buffer.from(piece) : piece;
      pending.push(buffer);
      pendingBytes += buffer.length;
      size += buffer.length;
      if (pendingBytes >= CHUNK_BYTES) await flush();
    }
    await flush();
    await this.repository.setStatus(workspaceId, created.id, ImportStatus.Queued, { sizeBytes: size });
    await this.queue.add('import', { workspaceId, importId: created.id }, { jobId: `import-${created.id}` });
    return this.get(workspaceId, created.id);
  }

  async get(workspaceId: string, importId: string): Promise<ImportView> {
    const found = await this.repository.find(workspaceId, importId);
    if (found === null)
      throw MembersException.notFound(MembersErrorCode.ImportNotFound, `Import ${importId} not found`);
    return toImportView(found);
  }

  /** Run by the worker: reads the chunks back in order, parses, ingests in batches of 5,000. */
  async process(workspaceId: string, importId: string): Promise<void> {
    const found = await this.repository.find(workspaceId, importId);
    if (found === null || found.status === ImportStatus.Completed) return;
    await this.repository.resetProgress(workspaceId, importId);
    const ctx = await this.context.load(workspaceId);
    const unknownMembers = found.options.unknownMembers as UnknownMemberPolicy | undefined;
    const input = Readable.from(this.chunks(workspaceId, importId));
    let records: unknown[] = [];
    let lines: number[] = [];
    let unreadable: RecordRejection[] = [];
    const flush = async (): Promise<void> => {
      const options = {
        atomic: false,
        fromText: found.format === ImportFormat.Csv,
        position: (i: number) => ({ line: lines[i] }),
        preRejected: unreadable,
      };
      const result: BulkResult =
        records.length === 0 && unreadable.length === 0
          ? { accepted: 0, duplicates: 0, rejected: [] }
          : found.kind === ImportKind.Members
            ? await this.members.ingest(workspaceId, records, options, ctx)
            : await this.events.ingest(workspaceId, records, { ...options, unknownMembers }, ctx);
      const rejectedLines = new Set(result.rejected.map((r) => r.line));
      await this.repository.addProgress(workspaceId, importId, {
        rowsRead: records.length + unreadable.length,
        accepted: result.accepted,
        duplicates: result.duplicates,
        rejectedCount: rejectedLines.size,
        rejections: result.rejected.map((r) => ({ line: r.line ?? 0, field: r.field, reason: r.reason })),
      });
      records = [];
      lines = [];
      unreadable = [];
    };
    try {
      for await (const item of fileRecords(found.kind, found.format, input)) {
        if ('record' in item) {
          records.push(item.record);
          lines.push(item.line);
        } else unreadable.push({ line: item.line, field: item.field, reason: item.reason });
        if (records.length + unreadable.length >= BATCH) await flush();
      }
      await flush();
    } catch (e) {
      // A CSV that cannot be parsed further fails the import (with csv-parse's line); anything
      // else (database down) fails the job, which BullMQ retries.
      const code = (e as { code?: unknown }).code;
      const csvError = typeof code === 'string' && code.startsWith('CSV_');
      if (!(e instanceof ImportFileError) && !csvError) throw e;
      await this.repository.setStatus(workspaceId, importId, ImportStatus.Failed, { error: (e as Error).message });
      return;
    }
    // Before "completed": what is sent once the import is seen done is planned on today's sizes.
    await this.repository.refreshStatistics(found.kind);
    await this.repository.setStatus(workspaceId, importId, ImportStatus.Completed);
    await this.repository.dropChunks(workspaceId, importId);
  }

  private async *chunks(workspaceId: string, importId: string): AsyncGenerator<Buffer> {
    for (let seq = 0; ; seq++) {
      const data = await this.repository.chunk(workspaceId, importId, seq);
      if (data === null) return;
      yield data;
    }
  }
}
