import { Column, Entity, Exclusion, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { DeliveryBatchEntity } from './delivery-batch.entity';

/**
 * The exactly-once guard: the member-id range [first, last] of each batch (its member ids are
 * ascending), and an exclusion constraint that keeps the ranges of one run's batches apart, so no
 * member is in two batches of a run (a page planned twice fails instead of sending twice). One
 * gist entry per batch of 500 instead of a key per recipient. Written for the keyset planner's
 * batches; a one-member event run's single batch (seq 0) is guarded by unique (run_id, seq).
 *
 * A table of its own, written with the batch and never updated: on delivery_batches the constraint
 * was checked again on every status change (claimed, done), each check walking ~50 pages of the
 * gist index among the ranges of every earlier run over the same members, ~0.6 ms per batch twice
 * per send, and the index grew by a version per change.
 */
@Entity({ name: 'delivery_batch_ranges' })
@Exclusion('xcl_delivery_batch_ranges_members', `USING gist ("run_id" WITH =, "members" WITH &&)`)
export class DeliveryBatchRangeEntity {
  @PrimaryColumn({ name: 'batch_id', type: 'uuid' })
  batchId!: string;

  @ManyToOne(() => DeliveryBatchEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'batch_id' })
  batch?: DeliveryBatchEntity;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Column({ type: 'int8range' })
  members!: string;
}
