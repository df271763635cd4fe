import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { WorkspaceId } from '@app/workspaces';
import { LineRichMenu } from '@app/line';
import { RichMenusService } from '../menus/rich-menus.service';
import { RichMenusErrorCode, RichMenusException } from '../rich-menus.exception';
import {
  ChannelFilterDto,
  CreateRichMenuDto,
  ReplaceRichMenuRulesDto,
  RichMenuDto,
  RichMenuRuleDto,
} from './rich-menus.dto';

@ApiTags('rich-menus')
@ApiBearerAuth()
@Controller()
export class RichMenusController {
  constructor(private readonly menus: RichMenusService) {}

  @Post('rich-menus')
  @ApiOkResponse({ type: RichMenuDto })
  create(@WorkspaceId() workspaceId: string, @Body() body: CreateRichMenuDto): Promise<RichMenuDto> {
    return this.menus.create(workspaceId, body.channelId, body.richMenu as LineRichMenu);
  }

  @Get('rich-menus')
  @ApiOkResponse({ type: [RichMenuDto] })
  list(@WorkspaceId() workspaceId: string, @Query() query: ChannelFilterDto): Promise<RichMenuDto[]> {
    return this.menus.list(workspaceId, query.channelId);
  }

  @Get('rich-menus/:id')
  @ApiOkResponse({ type: RichMenuDto })
  get(@WorkspaceId() workspaceId: string, @Param('id', ParseUUIDPipe) id: string): Promise<RichMenuDto> {
    return this.menus.get(workspaceId, id);
  }

  /** The image as the raw body (image/png or image/jpeg, ≤ 1 MB, 800–2500 px wide). */
  @Put('rich-menus/:id/image')
  @ApiConsumes('image/png', 'image/jpeg')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: RichMenuDto })
  image(
    @WorkspaceId() workspaceId: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
  ): Promise<RichMenuDto> {
    const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
    if ((type !== 'image/png' && type !== 'image/jpeg') || !Buffer.isBuffer(body) || body.length === 0) {
      throw RichMenusException.badRequest(
        RichMenusErrorCode.UnsupportedImage,
        'Send the image as the body with content-type image/png or image/jpeg',
        'body',
      );
    }
    return this.menus.uploadImage(workspaceId, id, body, type);
  }

  @Put('rich-menus/:id/default')
  @ApiOkResponse({ type: RichMenuDto })
  setDefault(@WorkspaceId() workspaceId: string, @Param('id', ParseUUIDPipe) id: string): Promise<RichMenuDto> {
    return this.menus.setDefault(workspaceId, id);
  }

  @Delete('rich-menus/:id')
  @HttpCode(204)
  async remove(@WorkspaceId() workspaceId: string, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.menus.delete(workspaceId, id);
  }

  @Get('channels/:channelId/rich-menu-rules')
  @ApiOkResponse({ type: [RichMenuRuleDto] })
  rules(
    @WorkspaceId() workspaceId: string,
    @Param('channelId', ParseUUIDPipe) channelId: string,
  ): Promise<RichMenuRuleDto[]> {
    return this.menus.rules(workspaceId, channelId);
  }

  @Put('channels/:channelId/rich-menu-rules')
  @ApiOkResponse({ type: [RichMenuRuleDto] })
  replaceRules(
    @WorkspaceId() workspaceId: string,
    @Param('channelId', ParseUUIDPipe) channelId: string,
    @Body() body: ReplaceRichMenuRulesDto,
  ): Promise<RichMenuRuleDto[]> {
    return this.menus.replaceRules(
      workspaceId,
      channelId,
      body.rules.map((r) => ({ condition: r.condition, segmentId: r.segmentId ?? null, richMenuId: r.richMenuId })),
    );
  }
}
