import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ChannelEntity } from '@app/workspaces';

/**
 * Per-channel texts and switches of the linking flow; a channel without a row uses the defaults
 * of linking-settings.defaults.ts. Templates are Liquid (`{{ member.pointsBalance }}`).
 */
@Entity({ name: 'linking_channel_settings' })
export class LinkingSettingsEntity {
  @PrimaryColumn({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @OneToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: ChannelEntity;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  /** Sent on follow; null: the default greeting. */
  @Column({ name: 'greeting_text', type: 'text', nullable: true })
  greetingText!: string | null;

  /** Whether the follow greeting carries the link invitation (for users not yet linked). */
  @Column({ name: 'invite_on_follow', type: 'boolean', default: true })
  inviteOnFollow!: boolean;

  @Column({ name: 'invitation_text', type: 'text', nullable: true })
  invitationText!: string | null;

  /** The company's login page; the engine appends ?linkToken=…; null: the reference page. */
  @Column({ name: 'login_url', type: 'text', nullable: true })
  loginUrl!: string | null;

  @Column({ name: 'send_linked_confirmation', type: 'boolean', default: true })
  sendLinkedConfirmation!: boolean;

  @Column({ name: 'linked_text', type: 'text', nullable: true })
  linkedText!: string | null;

  @Column({ name: 'unlinked_text', type: 'text', nullable: true })
  unlinkedText!: string | null;

  /** Liquid template of the member card (postback action=member_card). */
  @Column({ name: 'member_card_template', type: 'text', nullable: true })
  memberCardTemplate!: string | null;

  /** The LINE Login channel (same provider) whose ID tokens POST /linking/line-login accepts. */
  @Column({ name: 'line_login_channel_id', type: 'text', nullable: true })
  lineLoginChannelId!: string | null;

  /** Needed only to exchange authorization codes. */
  @Column({ name: 'line_login_channel_secret', type: 'text', nullable: true })
  lineLoginChannelSecret!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
