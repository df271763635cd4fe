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

export enum Gender {
  Male = 'male',
  Female = 'female',
  Other = 'other',
  Unspecified = 'unspecified',
}

/**
 * A company's customer. `id` is a bigint because segments join members with events and
 * aggregates over millions of rows; every later table about a member references `members.id`
 * with ON DELETE CASCADE so that erasure (DELETE /members/{externalId}) leaves nothing behind.
 */
@Entity({ name: 'members' })
@Index('uq_members_external_id', ['workspaceId', 'externalId'], { unique: true })
export class MemberEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @ManyToOne(() => WorkspaceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: WorkspaceEntity;

  /** The company's own member id. */
  @Column({ name: 'external_id', type: 'text' })
  externalId!: string;

  @Column({ name: 'first_name', type: 'text', nullable: true })
  firstName!: string | null;

  @Column({ name: 'last_name', type: 'text', nullable: true })
  lastName!: string | null;

  @Column({ type: 'enum', enum: Gender, enumName: 'member_gender', nullable: true })
  gender!: Gender | null;

  /** Age and birth month derive from it in the workspace's time zone. */
  @Column({ name: 'birth_date', type: 'date', nullable: true })
  birthDate!: string | null;

  /** JIS X 0401 code 1–47; regions are contiguous code ranges (see prefectures.ts). */
  @Column({ name: 'prefecture_code', type: 'smallint', nullable: true })
  prefectureCode!: number | null;

  @Column({ name: 'postal_code', type: 'text', nullable: true })
  postalCode!: string | null;

  @Column({ type: 'text', nullable: true })
  occupation!: string | null;

  @Column({ name: 'membership_tier', type: 'text', nullable: true })
  membershipTier!: string | null;

  @Column({ name: 'points_balance', type: 'integer', nullable: true })
  pointsBalance!: number | null;

  /**
   * As of when points_balance holds: the occurredAt of the point_change event that set it, or the
   * time of a member write naming pointsBalance. An older event never overwrites a newer balance.
   */
  @Column({ name: 'points_balance_at', type: 'timestamptz', nullable: true })
  pointsBalanceAt!: Date | null;

  /** When the customer joined the company's membership programme (not when we got the row). */
  @Column({ name: 'registered_at', type: 'timestamptz', nullable: true })
  registeredAt!: Date | null;

  @Column({ name: 'marketing_consent', type: 'boolean', nullable: true })
  marketingConsent!: boolean | null;

  /** Custom attributes, keys declared in member_attribute_definitions, values already validated. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  attributes!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
