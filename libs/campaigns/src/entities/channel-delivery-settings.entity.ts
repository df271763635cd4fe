import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ChannelEntity } from '@app/workspaces';

/** Per-channel send rules; a channel without a row gets the defaults (21:00–09:00, 3 per 7 days). */
@Entity({ name: 'channel_delivery_settings' })
export class ChannelDeliverySettingsEntity {
  @PrimaryColumn({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @OneToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: ChannelEntity;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  /** "HH:mm" local; equal start and end disables quiet hours. */
  @Column({ name: 'quiet_start', type: 'text', default: '21:00' })
  quietStart!: string;

  @Column({ name: 'quiet_end', type: 'text', default: '09:00' })
  quietEnd!: string;

  @Column({ name: 'frequency_cap_max', type: 'integer', default: 3 })
  frequencyCapMax!: number;

  @Column({ name: 'frequency_cap_days', type: 'integer', default: 7 })
  frequencyCapDays!: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
