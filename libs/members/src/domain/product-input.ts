import { FieldError, isPlainObject, Parsed } from './field-error';

export interface ProductRecord {
  sku: string;
  name: string;
  category?: string | null;
  price?: number | null;
  inStock?: boolean;
}

const KNOWN = new Set(['sku', 'name', 'category', 'price', 'inStock']);

/** A product upsert: name is required, omitted category/price/inStock keep their stored value. */
export function parseProduct(input: unknown, pathSku?: string): Parsed<ProductRecord> {
  if (!isPlainObject(input)) return { ok: false, errors: [{ field: '', reason: 'must be an object' }] };
  const errors: FieldError[] = [];
  for (const k of Object.keys(input)) if (!KNOWN.has(k)) errors.push({ field: k, reason: 'is not a product field' });
  const sku = pathSku ?? input.sku;
  if (typeof sku !== 'string' || sku === '' || sku.length > 200) {
    errors.push({ field: 'sku', reason: 'must be a non-empty string of at most 200 characters' });
  }
  if (pathSku !== undefined && input.sku !== undefined && input.sku !== pathSku) {
    errors.push({ field: 'sku', reason: 'must match the sku of the path' });
  }
  if (typeof input.name !== 'string' || input.name === '' || input.name.length > 500) {
    errors.push({ field: 'name', reason: 'must be a non-empty string of at most 500 characters' });
  }
  if (input.category !== undefined && input.category !== null && typeof input.category !== 'string') {
    errors.push({ field: 'category', reason: 'must be a string' });
  }
  const price = input.price;
  if (
    price !== undefined &&
    price !== null &&
    (typeof price !== 'number' || !Number.isSafeInteger(price) || price < 0)
  ) {
    errors.push({ field: 'price', reason: 'must be an integer ≥ 0 (yen)' });
  }
  if (input.inStock !== undefined && typeof input.inStock !== 'boolean') {
    errors.push({ field: 'inStock', reason: 'must be true or false' });
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      sku: sku as string,
      name: input.name as string,
      category: input.category as string | null | undefined,
      price: price as number | null | undefined,
      inStock: input.inStock as boolean | undefined,
    },
  };
}
