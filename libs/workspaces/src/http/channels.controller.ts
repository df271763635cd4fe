import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyScope } from '../entities/api-key.entity';
import { ChannelsService, toChannelView } from '../channels/channels.service';
import { RequireScope, WorkspaceId } from '../auth/auth.decorators';
import { ChannelDto, CreateChannelDto, UpdateChannelDto } from './workspaces.dto';

@ApiTags('channels')
@ApiBearerAuth()
@Controller('channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Get()
  @ApiOkResponse({ type: [ChannelDto] })
  list(@WorkspaceId() workspaceId: string): Promise<ChannelDto[]> {
    return this.channels.list(workspaceId);
  }

  @Get(':id')
  @ApiOkResponse({ type: ChannelDto })
  async get(@WorkspaceId() workspaceId: string, @Param('id', ParseUUIDPipe) id: string): Promise<ChannelDto> {
    return toChannelView(await this.channels.get(workspaceId, id));
  }

  @Post()
  @RequireScope(ApiKeyScope.Admin)
  @ApiOkResponse({ type: ChannelDto })
  create(@WorkspaceId() workspaceId: string, @Body() body: CreateChannelDto): Promise<ChannelDto> {
    return this.channels.create(workspaceId, { ...body, timezone: body.timezone ?? 'Asia/Tokyo' });
  }

  @Patch(':id')
  @RequireScope(ApiKeyScope.Admin)
  @ApiOkResponse({ type: ChannelDto })
  update(
    @WorkspaceId() workspaceId: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateChannelDto,
  ): Promise<ChannelDto> {
    return this.channels.update(workspaceId, id, body);
  }
}
