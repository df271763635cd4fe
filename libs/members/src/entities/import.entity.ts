import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { WorkspaceEntity } from '@app/workspaces';

export enum ImportKind {
  Members = 'members',
  Events = 'events',
}

export enum ImportFormat {
  Csv = 'csv',
  Ndjson = 'ndjson',
}

export enum ImportStatus {
  Uploading = 'uploading',
  Queued = 'queued',
  Processing = 'processing',
  Completed = 'completed',
  Failed = 'failed',
}

export interface ImportRejection {
  line: number;
  field: string;
  reason: string;
}

/** A file import: the file lives in import_chunks; progress is written as the worker goes. */
@Entity({ name: 'imports' })
@Index('ix_imports_workspace', ['workspaceId', 'createdAt'])
export class ImportEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @ManyToOne(() => WorkspaceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: WorkspaceEntity;

  @Column({ type: 'enum', enum: ImportKind, enumName: 'import_kind' })
  kind!: ImportKind;

  @Column({ type: 'enum', enum: ImportFormat, enumName: 'import_format' })
  format!: ImportFormat;

  @Column({ type: 'enum', enum: ImportStatus, enumName: 'import_status' })
  status!: ImportStatus;

  /** Options of the request (unknown-member policy, …). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  options!: Record<string, unknown>;

  @Column({ name: 'size_bytes', type: 'bigint', default: 0 })
  sizeBytes!: string;

  @Column({ name: 'rows_read', type: 'integer', default: 0 })
  rowsRead!: number;

  @Column({ type: 'integer', default: 0 })
  accepted!: number;

  @Column({ type: 'integer', default: 0 })
  duplicates!: number;

  @Column({ name: 'rejected_count', type: 'integer', default: 0 })
  rejectedCount!: number;

  /** The first rejections (capped), each with its line number. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  rejections!: ImportRejection[];

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
