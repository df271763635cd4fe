import { Body, Controller, Get, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { WorkspaceId } from '@app/workspaces';
import { BulkResult } from '../domain/bulk-result';
import { ProductsService, ProductView } from '../catalog/products.service';
import { bulkRecords, bulkReply } from './bulk-body';
import { BulkQueryDto } from './ingestion.dto';

@ApiTags('catalog')
@ApiBearerAuth()
@Controller()
export class CatalogController {
  constructor(private readonly products: ProductsService) {}

  @Post('products::bulk')
  async bulk(
    @WorkspaceId() workspaceId: string,
    @Query() query: BulkQueryDto,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BulkResult & { catalogEvents: number }> {
    const { records, rejected, indexes } = bulkRecords(body);
    const result = await this.products.ingest(workspaceId, records, {
      atomic: query.atomic === true,
      position: (i) => ({ index: indexes[i] }),
      preRejected: rejected,
    });
    return bulkReply(reply, result);
  }

  /** Upsert; the answer says how many catalog events (back in stock, price drop) it caused. */
  @Put('products/:sku')
  upsert(
    @WorkspaceId() workspaceId: string,
    @Param('sku') sku: string,
    @Body() body: unknown,
  ): Promise<{ product: ProductView; catalogEvents: number }> {
    return this.products.upsertOne(workspaceId, sku, body);
  }

  @Get('products/:sku')
  get(@WorkspaceId() workspaceId: string, @Param('sku') sku: string): Promise<ProductView> {
    return this.products.get(workspaceId, sku);
  }
}
