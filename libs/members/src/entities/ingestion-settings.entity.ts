import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { WorkspaceEntity } from '@app/workspaces';

export enum UnknownMemberPolicy {
  Create = 'create',
  Reject = 'reject',
}

/** Per-workspace ingestion behaviour; a workspace without a row gets the defaults. */
@Entity({ name: 'ingestion_settings' })
export class IngestionSettingsEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @OneToOne(() => WorkspaceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: WorkspaceEntity;

  /** What an event for a member we do not know does: create a bare member, or be rejected. */
  @Column({
    name: 'unknown_member_policy',
    type: 'enum',
    enum: UnknownMemberPolicy,
    enumName: 'unknown_member_policy',
    default: UnknownMemberPolicy.Create,
  })
  unknownMemberPolicy!: UnknownMemberPolicy;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
