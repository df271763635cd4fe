import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum TriggerSource {
  /** ids are events.id */
  Member = 'member',
  /** ids are catalog_events.id */
  Catalog = 'catalog',
}

/**
 * Accepted events not yet published to the trigger-events queue. Written in the ingest
 * transaction (one row per batch, not per event, to keep the bulk path cheap) and deleted by
 * the relay once the jobs are in Redis: a crash between commit and publish loses nothing.
 */
@Entity({ name: 'trigger_outbox' })
export class TriggerOutboxEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ type: 'enum', enum: TriggerSource, enumName: 'trigger_source' })
  source!: TriggerSource;

  @Column({ type: 'bigint', array: true })
  ids!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
