import { Body, Controller, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { WorkspaceId } from '@app/workspaces';
import { BulkResult, rejectionDetails } from '../domain/bulk-result';
import { EventsService } from '../events/events.service';
import { MembersException } from '../members.exception';
import { bulkRecords, bulkReply } from './bulk-body';
import { BulkResultDto, EventsQueryDto } from './ingestion.dto';

@ApiTags('events')
@ApiBearerAuth()
@Controller()
export class EventsController {
  constructor(private readonly events: EventsService) {}

  /** One event: 201 when new, 200 when its id was seen before, 400 naming the bad field. */
  @Post('events')
  async one(
    @WorkspaceId() workspaceId: string,
    @Query() query: EventsQueryDto,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ accepted: boolean; duplicate: boolean }> {
    const result = await this.events.ingest(workspaceId, [body], {
      atomic: false,
      position: () => ({ index: 0 }),
      unknownMembers: query.unknownMembers,
    });
    if (result.rejected.length > 0) {
      throw MembersException.invalid(
        rejectionDetails(result.rejected).map((d) => ({ ...d, field: d.field.replace(/^records\[0\]\.?/, '') })),
      );
    }
    reply.status(result.accepted > 0 ? 201 : 200);
    return { accepted: result.accepted > 0, duplicate: result.duplicates > 0 };
  }

  @Post('events::bulk')
  @ApiOkResponse({ type: BulkResultDto, description: '207 when some records were rejected' })
  async bulk(
    @WorkspaceId() workspaceId: string,
    @Query() query: EventsQueryDto,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BulkResult> {
    const { records, rejected, indexes } = bulkRecords(body);
    const result = await this.events.ingest(workspaceId, records, {
      atomic: query.atomic === true,
      position: (i) => ({ index: indexes[i] }),
      preRejected: rejected,
      unknownMembers: query.unknownMembers,
    });
    return bulkReply(reply, result);
  }
}
