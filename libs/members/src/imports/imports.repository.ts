import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ImportEntity, ImportFormat, ImportKind, ImportRejection, ImportStatus } from '../entities/import.entity';

/** How many rejections an import keeps with their line (the count keeps going). */
export const MAX_STORED_REJECTIONS = 1_000;

export interface ImportProgress {
  rowsRead: number;
  accepted: number;
  duplicates: number;
  rejectedCount: number;
  /** New rejections to append (capped in SQL). */
  rejections: ImportRejection[];
}

@Injectable()
export class ImportsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  create(
    workspaceId: string,
    kind: ImportKind,
    format: ImportFormat,
    options: Record<string, unknown>,
  ): Promise<ImportEntity> {
    const repo = this.db.getRepository(ImportEntity);
    return repo.save(repo.create({ workspaceId, kind, format, options, status: ImportStatus.Uploading }));
  }

  async addChunk(workspaceId: string, importId: string, seq: number, data: Buffer): Promise<void> {
    await this.db.query(
      `INSERT INTO import_chunks (import_id, seq, data)
       SELECT id, $3, $4 FROM imports WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, importId, seq, data],
    );
  }

  async chunk(workspaceId: string, importId: string, seq: number): Promise<Buffer | null> {
    const rows = await this.db.query<Array<{ data: Buffer }>>(
      `SELECT c.data FROM import_chunks c JOIN imports i ON i.id = c.import_id
       WHERE i.workspace_id = $1 AND c.import_id = $2 AND c.seq = $3`,
      [workspaceId, importId, seq],
    );
    return rows[0]?.data ?? null;
  }

  find(workspaceId: string, importId: string): Promise<ImportEntity | null> {
    return this.db.getRepository(ImportEntity).findOne({ where: { workspaceId, id: importId } });
  }

  async setStatus(
    workspaceId: string,
    importId: string,
    status: ImportStatus,
    fields: { sizeBytes?: number; error?: string | null } = {},
  ): Promise<void> {
    const done = status === ImportStatus.Completed || status === ImportStatus.Failed;
    await this.db.query(
      `UPDATE imports SET status = $3, size_bytes = coalesce($4, size_bytes), error = CASE WHEN $5::boolean THEN $6 ELSE error END,
         finished_at = CASE WHEN $7::boolean THEN now() ELSE NULL END, updated_at = now()
       WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, importId, status, fields.sizeBytes ?? null, fields.error !== undefined, fields.error ?? null, done],
    );
  }

  /** A retried job starts over (records are idempotent), so progress starts over too. */
  async resetProgress(workspaceId: string, importId: string): Promise<void> {
    await this.db.query(
      `UPDATE imports SET status = 'processing', rows_read = 0, accepted = 0, duplicates = 0, rejected_count = 0,
         rejections = '[]', error = NULL, finished_at = NULL, updated_at = now()
       WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, importId],
    );
  }

  async addProgress(workspaceId: string, importId: string, p: ImportProgress): Promise<void> {
    await this.db.query(
      `UPDATE imports SET rows_read = rows_read + $3, accepted = accepted + $4, duplicates = duplicates + $5,
         rejected_count = rejected_count + $6,
         rejections = CASE WHEN jsonb_array_length(rejections) >= ${MAX_STORED_REJECTIONS} THEN rejections
           ELSE rejections || (SELECT coalesce(jsonb_agg(x), '[]') FROM (
             SELECT x FROM jsonb_array_elements($7::jsonb) x LIMIT ${MAX_STORED_REJECTIONS} - jsonb_array_length(rejections)) s) END,
         updated_at = now()
       WHERE workspace_id = $1 AND id = $2`,
      [
        workspaceId,
        importId,
        p.rowsRead,
        p.accepted,
        p.duplicates,
        p.rejectedCount,
        JSON.stringify(p.rejections.slice(0, MAX_STORED_REJECTIONS)),
      ],
    );
  }

  /** The file is not needed once imported. */
  async dropChunks(workspaceId: string, importId: string): Promise<void> {
    await this.db.query(
      `DELETE FROM import_chunks c USING imports i WHERE i.id = c.import_id AND i.workspace_id = $1 AND c.import_id = $2`,
      [workspaceId, importId],
    );
  }

  /**
   * Refreshes the planner's statistics of the tables an import filled. Prepared statements (the
   * one-event ingest, the senders' claims) keep a plan made on the statistics of when they were
   * first prepared; made on a table that an import has since grown tenfold, they read the whole
   * table where an index probe would do (5 ms instead of 0.1 ms per event at 11,500 members).
   * ANALYZE invalidates those plans. Autovacuum would get there, but only at its next round.
   */
  async refreshStatistics(kind: ImportKind): Promise<void> {
    const tables = kind === ImportKind.Members ? 'members' : 'members, events, member_aggregates';
    await this.db.query(`ANALYZE ${tables}`);
  }
}
