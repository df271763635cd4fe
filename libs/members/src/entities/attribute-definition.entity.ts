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

export enum AttributeType {
  String = 'string',
  Number = 'number',
  Boolean = 'boolean',
  /** Stored as an ISO date string `YYYY-MM-DD` in members.attributes. */
  Date = 'date',
  /** Stored as a JSON array of strings. */
  StringList = 'string_list',
}

/** A custom member attribute a workspace declared, so ingestion and segment rules can type-check it. */
@Entity({ name: 'member_attribute_definitions' })
@Index('uq_member_attribute_definitions_key', ['workspaceId', 'key'], { unique: true })
export class AttributeDefinitionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @ManyToOne(() => WorkspaceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: WorkspaceEntity;

  @Column({ type: 'text' })
  key!: string;

  @Column({ type: 'enum', enum: AttributeType, enumName: 'member_attribute_type' })
  type!: AttributeType;

  @Column({ type: 'text', nullable: true })
  label!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
