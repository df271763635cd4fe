import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyScope, Auth, type AuthContext, RequireScope, WorkspaceId } from '@app/workspaces';
import { AccountLinkingService } from '../linking/account-linking.service';
import { LineLoginLinkingService } from '../linking/line-login-linking.service';
import { MemberLinksService } from '../linking/member-links.service';
import { LinkingSettingsService } from '../settings/linking-settings.service';
import {
  ChannelQueryDto,
  CreateNonceDto,
  LineLoginDto,
  LineLoginLinkDto,
  LinkingSettingsDto,
  MemberLinksDto,
  NonceDto,
  UpdateLinkingSettingsDto,
} from './linking.dto';

@ApiTags('linking')
@ApiBearerAuth()
@Controller()
export class LinkingController {
  constructor(
    private readonly linking: AccountLinkingService,
    private readonly lineLogin: LineLoginLinkingService,
    private readonly memberLinks: MemberLinksService,
    private readonly settings: LinkingSettingsService,
  ) {}

  /** Called by the company's login page once the member is authenticated. */
  @Post('linking/nonces')
  @ApiOkResponse({ type: NonceDto })
  createNonce(@WorkspaceId() workspaceId: string, @Body() body: CreateNonceDto): Promise<NonceDto> {
    return this.linking.createNonce(workspaceId, body);
  }

  @Post('linking/line-login')
  @HttpCode(200)
  @ApiOkResponse({ type: LineLoginLinkDto })
  lineLoginLink(@WorkspaceId() workspaceId: string, @Body() body: LineLoginDto): Promise<LineLoginLinkDto> {
    return this.lineLogin.link(workspaceId, body);
  }

  /** The member's LINE links; LINE user ids only for admin keys. */
  @Get('members/:externalId/line-link')
  @ApiOkResponse({ type: MemberLinksDto })
  links(@Auth() auth: AuthContext, @Param('externalId') externalId: string): Promise<MemberLinksDto> {
    return this.memberLinks.get(auth.workspaceId, externalId, auth.scope === ApiKeyScope.Admin);
  }

  @Delete('members/:externalId/line-link')
  @HttpCode(204)
  async unlink(
    @WorkspaceId() workspaceId: string,
    @Param('externalId') externalId: string,
    @Query() query: ChannelQueryDto,
  ): Promise<void> {
    await this.linking.unlinkByCompany(workspaceId, externalId, query.channelId);
  }

  @Get('channels/:id/linking-settings')
  @ApiOkResponse({ type: LinkingSettingsDto })
  getSettings(@WorkspaceId() workspaceId: string, @Param('id', ParseUUIDPipe) id: string): Promise<LinkingSettingsDto> {
    return this.settings.view(workspaceId, id);
  }

  @Put('channels/:id/linking-settings')
  @RequireScope(ApiKeyScope.Admin)
  @ApiOkResponse({ type: LinkingSettingsDto })
  putSettings(
    @WorkspaceId() workspaceId: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateLinkingSettingsDto,
  ): Promise<LinkingSettingsDto> {
    return this.settings.update(workspaceId, id, body);
  }
}
