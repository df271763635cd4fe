import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ProductRecord } from '../domain/product-input';
import { ProductEntity } from '../entities/product.entity';

/**
 * Upsert of a batch of products, detecting in the same statement what members may want to hear
 * of: a product back in stock, or cheaper than before. The old rows are read FOR UPDATE so that
 * two concurrent updates cannot both miss (or both report) the same change.
 */
const UPSERT_SQL = `
WITH r AS (
  SELECT * FROM json_to_recordset($2::json) AS r(
    sku text, name text, category text, price bigint, "inStock" boolean, hc boolean, hp boolean, hs boolean)),
old AS (
  SELECT p.id, p.sku, p.category, p.price, p.in_stock FROM products p JOIN r ON p.workspace_id = $1 AND p.sku = r.sku
  ORDER BY p.id FOR UPDATE OF p),
up AS (
  INSERT INTO products AS p (workspace_id, sku, name, category, price, in_stock)
  SELECT $1, r.sku, r.name,
    CASE WHEN r.hc THEN r.category ELSE old.category END,
    CASE WHEN r.hp THEN r.price ELSE old.price END,
    CASE WHEN r.hs THEN r."inStock" ELSE coalesce(old.in_stock, true) END
  FROM r LEFT JOIN old ON old.sku = r.sku
  ORDER BY r.sku
  ON CONFLICT (workspace_id, sku) DO UPDATE SET
    name = excluded.name, category = excluded.category, price = excluded.price, in_stock = excluded.in_stock,
    updated_at = now()
  RETURNING p.id, p.sku, p.price, p.in_stock),
ev AS (
  INSERT INTO catalog_events (workspace_id, product_id, sku, kind, previous_price, price)
  SELECT $1, up.id, up.sku, 'back_in_stock'::catalog_event_kind, old.price, up.price
    FROM up JOIN old ON old.id = up.id WHERE NOT old.in_stock AND up.in_stock
  UNION ALL
  SELECT $1, up.id, up.sku, 'price_drop'::catalog_event_kind, old.price, up.price
    FROM up JOIN old ON old.id = up.id WHERE up.price < old.price AND up.in_stock
  RETURNING id),
ob AS (
  INSERT INTO trigger_outbox (workspace_id, source, ids)
  SELECT $1, 'catalog', array_agg(id ORDER BY id) FROM ev HAVING count(*) > 0
  RETURNING id)
SELECT (SELECT count(*)::int FROM up) AS upserted, (SELECT count(*)::int FROM old) AS existed,
       (SELECT count(*)::int FROM ev) AS catalog_events, (SELECT id FROM ob) AS outbox_id`;

export interface ProductUpsertResult {
  upserted: number;
  created: number;
  catalogEvents: number;
  outboxId: string | null;
}

@Injectable()
export class ProductsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async upsert(em: EntityManager, workspaceId: string, products: ProductRecord[]): Promise<ProductUpsertResult> {
    const rows = products.map((p) => ({
      ...p,
      hc: p.category !== undefined,
      hp: p.price !== undefined,
      hs: p.inStock !== undefined,
    }));
    const [row] = await em.query<
      Array<{
        upserted: number;
        existed: number;
        catalog_events: number;
        outbox_id: string | null;
      }>
    >(UPSERT_SQL, [workspaceId, JSON.stringify(rows)]);
    return {
      upserted: row.upserted,
      created: row.upserted - row.existed,
      catalogEvents: row.catalog_events,
      outboxId: row.outbox_id,
    };
  }

  find(workspaceId: string, sku: string): Promise<ProductEntity | null> {
    return this.db.getRepository(ProductEntity).findOne({ where: { workspaceId, sku } });
  }
}
