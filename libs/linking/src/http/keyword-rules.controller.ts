import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { WorkspaceId } from '@app/workspaces';
import { KeywordAction, KeywordMatch } from '../entities/keyword-rule.entity';
import { KeywordRulesService } from '../keywords/keyword-rules.service';
import { ChannelQueryDto, CreateKeywordRuleDto, KeywordRuleDto, UpdateKeywordRuleDto } from './linking.dto';

@ApiTags('keyword-rules')
@ApiBearerAuth()
@Controller('keyword-rules')
export class KeywordRulesController {
  constructor(private readonly rules: KeywordRulesService) {}

  @Get()
  @ApiOkResponse({ type: [KeywordRuleDto] })
  list(@WorkspaceId() workspaceId: string, @Query() query: ChannelQueryDto): Promise<KeywordRuleDto[]> {
    return this.rules.list(workspaceId, query.channelId);
  }

  @Post()
  @ApiOkResponse({ type: KeywordRuleDto })
  create(@WorkspaceId() workspaceId: string, @Body() body: CreateKeywordRuleDto): Promise<KeywordRuleDto> {
    return this.rules.create(workspaceId, body.channelId, {
      keyword: body.keyword,
      match: body.match ?? KeywordMatch.Exact,
      action: body.action ?? KeywordAction.Reply,
      position: body.position ?? 0,
      linkedTemplate: body.linkedTemplate ?? null,
      unlinkedTemplate: body.unlinkedTemplate ?? null,
      enabled: body.enabled ?? true,
    });
  }

  @Patch(':id')
  @ApiOkResponse({ type: KeywordRuleDto })
  update(
    @WorkspaceId() workspaceId: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateKeywordRuleDto,
  ): Promise<KeywordRuleDto> {
    return this.rules.update(workspaceId, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@WorkspaceId() workspaceId: string, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.rules.delete(workspaceId, id);
  }
}
