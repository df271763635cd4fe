import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { WorkspaceId } from '@app/workspaces';
import { ImportFormat } from '../entities/import.entity';
import { ImportsService, ImportView } from '../imports/imports.service';
import { MembersException } from '../members.exception';
import { ImportQueryDto } from './ingestion.dto';

function isStream(body: unknown): body is AsyncIterable<Buffer> {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body;
}

@ApiTags('imports')
@ApiBearerAuth()
@Controller('imports')
export class ImportsController {
  constructor(private readonly imports: ImportsService) {}

  /**
   * The file is the request body (text/csv, or application/octet-stream with format=ndjson),
   * streamed to the database as it arrives; 202 with the import to poll.
   */
  @Post()
  @HttpCode(202)
  @ApiConsumes('text/csv', 'application/octet-stream', 'application/x-ndjson')
  upload(
    @WorkspaceId() workspaceId: string,
    @Query() query: ImportQueryDto,
    @Req() req: FastifyRequest,
  ): Promise<ImportView> {
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    const format =
      query.format ??
      (type === 'text/csv' ? ImportFormat.Csv : type === 'application/x-ndjson' ? ImportFormat.Ndjson : undefined);
    if (format === undefined) {
      throw MembersException.unsupported('Send text/csv, or application/octet-stream with ?format=csv|ndjson');
    }
    const body: unknown = req.body;
    const stream = typeof body === 'string' ? [Buffer.from(body)] : isStream(body) ? body : null;
    if (stream === null) throw MembersException.unsupported('The body must be the file itself');
    return this.imports.upload(workspaceId, query.kind, format, stream, { unknownMembers: query.unknownMembers });
  }

  @Get(':id')
  get(@WorkspaceId() workspaceId: string, @Param('id', ParseUUIDPipe) id: string): Promise<ImportView> {
    return this.imports.get(workspaceId, id);
  }
}
