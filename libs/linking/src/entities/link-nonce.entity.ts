import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ChannelEntity } from '@app/workspaces';
import { MemberEntity } from '@app/members';

export enum NonceOutcome {
  Linked = 'linked',
  /** LINE reported `failed`. */
  Failed = 'failed',
  /** `ok` but the member or LINE user was linked elsewhere meanwhile. */
  Refused = 'refused',
}

/**
 * An account-link nonce bound to one member. Only its SHA-256 is stored; it is used at most once
 * (used_at set atomically) and only before expires_at.
 */
@Entity({ name: 'link_nonces' })
@Index('uq_link_nonces_hash', ['nonceHash'], { unique: true })
export class LinkNonceEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @ManyToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: ChannelEntity;

  @Column({ name: 'member_id', type: 'bigint' })
  memberId!: string;

  @ManyToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;

  /** The LINE user the link token was issued to, when the engine issued it (else null). */
  @Column({ name: 'expected_line_user_row_id', type: 'bigint', nullable: true })
  expectedLineUserRowId!: string | null;

  @Column({ name: 'nonce_hash', type: 'bytea' })
  nonceHash!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @Column({ type: 'enum', enum: NonceOutcome, enumName: 'link_nonce_outcome', nullable: true })
  outcome!: NonceOutcome | null;
}
