import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { LineUserEntity } from './line-user.entity';

/**
 * Link tokens the engine issued, by hash: they let POST /linking/nonces find the channel and
 * refuse early (409) when the LINE user is already linked to another member, without the
 * company's site ever seeing a LINE user id.
 */
@Entity({ name: 'link_tokens' })
@Index('uq_link_tokens_hash', ['tokenHash'], { unique: true })
export class LinkTokenEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @Column({ name: 'line_user_row_id', type: 'bigint' })
  lineUserRowId!: string;

  @ManyToOne(() => LineUserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'line_user_row_id' })
  lineUser?: LineUserEntity;

  /** SHA-256 of the link token. */
  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash!: Buffer;

  @CreateDateColumn({ name: 'issued_at', type: 'timestamptz' })
  issuedAt!: Date;

  /** LINE's link tokens live 10 minutes. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
