import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommonException } from '@app/common';
import { ApiKeyScope, RequireScope, WorkspaceId } from '@app/workspaces';
import { SegmentsService, toSegmentView } from '../segments.service';
import { SegmentPreviewsService } from '../segment-previews.service';
import { SegmentSnapshotsService } from '../segment-snapshots.service';
import { SegmentRefreshScheduler } from '../segment-refresh.scheduler';
import { SegmentMaintenanceService } from '../segment-maintenance.service';
import {
  CompileSegmentDto,
  CompiledSqlDto,
  CreateSegmentDto,
  PreviewResultDto,
  PreviewSegmentDto,
  SegmentDto,
  SnapshotDto,
  SnapshotMemberDto,
  SnapshotMembersQueryDto,
  SnapshotSegmentDto,
  UpdateSegmentDto,
} from './segments.dto';
import { RULE_SCHEMA_MODELS } from './rule-schema.dto';

/** `now` of a request: a real instant between 1970 and 2200 (rule arithmetic stays in range). */
function instant(s: string | undefined): Date | undefined {
  if (s === undefined) return undefined;
  const d = new Date(s);
  const t = d.getTime();
  if (Number.isNaN(t) || t < 0 || t > Date.UTC(2200, 0, 1)) {
    throw CommonException.validation([{ field: 'now', reason: 'must be an ISO 8601 instant between 1970 and 2200' }]);
  }
  return d;
}

@ApiTags('segments')
@ApiExtraModels(...RULE_SCHEMA_MODELS)
@ApiBearerAuth()
@Controller('segments')
export class SegmentsController {
  constructor(
    private readonly segments: SegmentsService,
    private readonly previews: SegmentPreviewsService,
    private readonly snapshots: SegmentSnapshotsService,
    private readonly refresh: SegmentRefreshScheduler,
    private readonly maintenance: SegmentMaintenanceService,
  ) {}

  @Post('preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'Count (matching, reachable) and sample a rule tree without saving it' })
  @ApiOkResponse({ type: PreviewResultDto })
  preview(@WorkspaceId() workspaceId: string, @Body() body: PreviewSegmentDto): Promise<PreviewResultDto> {
    return this.previews.preview(workspaceId, body.channelId, body.rules, {
      sampleSize: body.sampleSize,
      now: instant(body.now),
    });
  }

  @Post('sql')
  @HttpCode(200)
  @RequireScope(ApiKeyScope.Admin)
  @ApiOperation({ summary: 'Debug: the compiled SQL and its parameters' })
  @ApiOkResponse({ type: CompiledSqlDto })
  sql(@WorkspaceId() workspaceId: string, @Body() body: CompileSegmentDto): Promise<CompiledSqlDto> {
    return this.previews.debugSql(workspaceId, body.channelId, body.rules, instant(body.now));
  }

  @Post()
  @ApiOkResponse({ type: SegmentDto })
  async create(@WorkspaceId() workspaceId: string, @Body() body: CreateSegmentDto): Promise<SegmentDto> {
    const view = await this.segments.create(workspaceId, body);
    await this.refresh.schedule(workspaceId, view.id);
    return view;
  }

  @Get()
  @ApiOkResponse({ type: [SegmentDto] })
  list(@WorkspaceId() workspaceId: string): Promise<SegmentDto[]> {
    return this.segments.list(workspaceId);
  }

  @Get('snapshots/:snapshotId')
  getSnapshot(@WorkspaceId() workspaceId: string, @Param('snapshotId', ParseUUIDPipe) snapshotId: string) {
    return this.snapshots.getSnapshot(workspaceId, snapshotId);
  }

  @Delete('snapshots/:snapshotId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a snapshot and its members (409 while a campaign run still to send uses it)' })
  async deleteSnapshot(
    @WorkspaceId() workspaceId: string,
    @Param('snapshotId', ParseUUIDPipe) snapshotId: string,
  ): Promise<void> {
    await this.maintenance.deleteSnapshot(workspaceId, snapshotId);
  }

  @Get('snapshots/:snapshotId/members')
  @ApiOkResponse({ type: [SnapshotMemberDto] })
  snapshotMembers(
    @WorkspaceId() workspaceId: string,
    @Param('snapshotId', ParseUUIDPipe) snapshotId: string,
    @Query() query: SnapshotMembersQueryDto,
  ): Promise<SnapshotMemberDto[]> {
    return this.snapshots.snapshotMembers(workspaceId, snapshotId, query.after ?? null, query.limit ?? 1000);
  }

  @Get(':id')
  @ApiOkResponse({ type: SegmentDto })
  async get(@WorkspaceId() workspaceId: string, @Param('id', ParseUUIDPipe) id: string): Promise<SegmentDto> {
    return toSegmentView(await this.segments.get(workspaceId, id));
  }

  @Get(':id/versions')
  versions(@WorkspaceId() workspaceId: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.segments.versions(workspaceId, id);
  }

  @Put(':id')
  @ApiOkResponse({ type: SegmentDto })
  async update(
    @WorkspaceId() workspaceId: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateSegmentDto,
  ): Promise<SegmentDto> {
    const view = await this.segments.update(workspaceId, id, body);
    await this.refresh.schedule(workspaceId, id);
    return view;
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@WorkspaceId() workspaceId: string, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.segments.remove(workspaceId, id);
  }

  @Post(':id/refresh')
  @HttpCode(202)
  @ApiOperation({ summary: 'Recount the segment in the background' })
  async recount(@WorkspaceId() workspaceId: string, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.segments.get(workspaceId, id);
    await this.refresh.schedule(workspaceId, id);
  }

  @Post(':id/snapshots')
  @ApiOperation({ summary: 'Freeze the audience (what a campaign sends to)' })
  @ApiOkResponse({ type: SnapshotDto })
  async snapshot(
    @WorkspaceId() workspaceId: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: SnapshotSegmentDto,
  ): Promise<SnapshotDto> {
    const channelId = body.channelId ?? (await this.segments.get(workspaceId, id)).channelId;
    return this.snapshots.snapshot(workspaceId, channelId, id, instant(body.now));
  }
}
