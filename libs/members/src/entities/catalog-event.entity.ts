import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ProductEntity } from './product.entity';

export enum CatalogEventKind {
  BackInStock = 'back_in_stock',
  PriceDrop = 'price_drop',
}

/** A change of a product that members may want to hear of (restock and price-drop alerts). */
@Entity({ name: 'catalog_events' })
@Index('ix_catalog_events_product', ['workspaceId', 'productId', 'createdAt'])
export class CatalogEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'product_id', type: 'bigint' })
  productId!: string;

  @ManyToOne(() => ProductEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'product_id' })
  product?: ProductEntity;

  @Column({ type: 'text' })
  sku!: string;

  @Column({ type: 'enum', enum: CatalogEventKind, enumName: 'catalog_event_kind' })
  kind!: CatalogEventKind;

  @Column({ name: 'previous_price', type: 'bigint', nullable: true })
  previousPrice!: string | null;

  @Column({ type: 'bigint', nullable: true })
  price!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
