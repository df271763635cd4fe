import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyScope, Auth, AuthContext, WorkspaceId, scopeAllows } from '@app/workspaces';
import { BulkResult } from '../domain/bulk-result';
import { MemberDetailsView, MemberView } from '../members/member.view';
import { MembersService } from '../members/members.service';
import { bulkRecords, bulkReply } from './bulk-body';
import { BulkQueryDto, BulkResultDto } from './ingestion.dto';

@ApiTags('members')
@ApiBearerAuth()
@Controller()
export class MembersController {
  constructor(private readonly members: MembersService) {}

  /** Literal colon: Fastify's router reads "::" as ":" (not a parameter). */
  @Post('members::bulk')
  @ApiOkResponse({ type: BulkResultDto, description: '207 when some records were rejected' })
  async bulk(
    @WorkspaceId() workspaceId: string,
    @Query() query: BulkQueryDto,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BulkResult> {
    const { records, rejected, indexes } = bulkRecords(body);
    const result = await this.members.ingest(workspaceId, records, {
      atomic: query.atomic === true,
      position: (i) => ({ index: indexes[i] }),
      preRejected: rejected,
    });
    return bulkReply(reply, result);
  }

  @Put('members/:externalId')
  async upsert(
    @WorkspaceId() workspaceId: string,
    @Param('externalId') externalId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MemberView> {
    const { created, member } = await this.members.upsertOne(workspaceId, externalId, body);
    reply.status(created ? 201 : 200);
    return member;
  }

  @Get('members/:externalId')
  get(@Auth() auth: AuthContext, @Param('externalId') externalId: string): Promise<MemberDetailsView> {
    return this.members.get(auth.workspaceId, externalId, scopeAllows(auth.scope, ApiKeyScope.Admin));
  }

  @Delete('members/:externalId')
  @HttpCode(204)
  async erase(@WorkspaceId() workspaceId: string, @Param('externalId') externalId: string): Promise<void> {
    await this.members.erase(workspaceId, externalId);
  }
}
