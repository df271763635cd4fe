import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BulkResult, rejectionDetails, withRetry } from '../domain/bulk-result';
import { RecordRejection } from '../domain/field-error';
import { parseProduct, ProductRecord } from '../domain/product-input';
import { ProductEntity } from '../entities/product.entity';
import { MembersErrorCode, MembersException } from '../members.exception';
import { IngestOptions } from '../members/members.service';
import { TriggerPublisher } from '../outbox/trigger-publisher';
import { ProductsRepository } from './products.repository';

export interface ProductView {
  sku: string;
  name: string;
  category: string | null;
  price: number | null;
  inStock: boolean;
  updatedAt: string;
}

export const toProductView = (p: ProductEntity): ProductView => ({
  sku: p.sku,
  name: p.name,
  category: p.category,
  price: p.price === null ? null : Number(p.price),
  inStock: p.inStock,
  updatedAt: p.updatedAt.toISOString(),
});

@Injectable()
export class ProductsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repository: ProductsRepository,
    private readonly publisher: TriggerPublisher,
  ) {}

  async upsertOne(
    workspaceId: string,
    sku: string,
    body: unknown,
  ): Promise<{ product: ProductView; catalogEvents: number }> {
    const parsed = parseProduct(body, sku);
    if (!parsed.ok) throw MembersException.invalid(parsed.errors);
    const result = await this.store(workspaceId, [parsed.value]);
    return { product: await this.get(workspaceId, sku), catalogEvents: result.catalogEvents };
  }

  async ingest(
    workspaceId: string,
    records: unknown[],
    options: IngestOptions,
  ): Promise<BulkResult & { catalogEvents: number }> {
    const rejected: RecordRejection[] = [...(options.preRejected ?? [])];
    const bySku = new Map<string, ProductRecord>();
    let bad = 0;
    records.forEach((record, i) => {
      const parsed = parseProduct(record);
      if (!parsed.ok) {
        bad++;
        for (const e of parsed.errors) rejected.push({ ...options.position(i), ...e });
        return;
      }
      const previous = bySku.get(parsed.value.sku);
      bySku.set(parsed.value.sku, { ...previous, ...stripUndefined(parsed.value) } as ProductRecord);
    });
    if (options.atomic && rejected.length > 0) throw MembersException.atomicRejected(rejectionDetails(rejected));
    const result = bySku.size > 0 ? await this.store(workspaceId, [...bySku.values()]) : { catalogEvents: 0 };
    return { accepted: records.length - bad, duplicates: 0, rejected, catalogEvents: result.catalogEvents };
  }

  async get(workspaceId: string, sku: string): Promise<ProductView> {
    const product = await this.repository.find(workspaceId, sku);
    if (product === null) throw MembersException.notFound(MembersErrorCode.ProductNotFound, `Product ${sku} not found`);
    return toProductView(product);
  }

  private async store(workspaceId: string, products: ProductRecord[]): Promise<{ catalogEvents: number }> {
    const result = await withRetry(() =>
      this.db.transaction((em) => this.repository.upsert(em, workspaceId, products)),
    );
    this.publisher.publishAfterCommit(workspaceId, result.outboxId);
    return { catalogEvents: result.catalogEvents };
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
