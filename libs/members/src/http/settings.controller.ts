import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiKeyScope, RequireScope, WorkspaceId } from '@app/workspaces';
import { AttributeDefinitionView, IngestionContextService } from '../members/ingestion-context.service';
import { UnknownMemberPolicy } from '../entities/ingestion-settings.entity';
import { AttributeKeyParam, IngestionSettingsDto, PutAttributeDefinitionDto } from './ingestion.dto';

@ApiTags('members')
@ApiBearerAuth()
@Controller()
export class IngestionSettingsController {
  constructor(private readonly context: IngestionContextService) {}

  @Get('attribute-definitions')
  list(@WorkspaceId() workspaceId: string): Promise<AttributeDefinitionView[]> {
    return this.context.listAttributes(workspaceId);
  }

  @Put('attribute-definitions/:key')
  @RequireScope(ApiKeyScope.Admin)
  put(
    @WorkspaceId() workspaceId: string,
    @Param() { key }: AttributeKeyParam,
    @Body() body: PutAttributeDefinitionDto,
  ): Promise<AttributeDefinitionView> {
    return this.context.putAttribute(workspaceId, key, body.type, body.label ?? null);
  }

  /** Stored values stay in members.attributes; the key just stops being accepted. */
  @Delete('attribute-definitions/:key')
  @RequireScope(ApiKeyScope.Admin)
  @HttpCode(204)
  async remove(@WorkspaceId() workspaceId: string, @Param() { key }: AttributeKeyParam): Promise<void> {
    await this.context.deleteAttribute(workspaceId, key);
  }

  @Get('ingestion-settings')
  settings(@WorkspaceId() workspaceId: string): Promise<{ unknownMemberPolicy: UnknownMemberPolicy }> {
    return this.context.getSettings(workspaceId);
  }

  @Put('ingestion-settings')
  @RequireScope(ApiKeyScope.Admin)
  putSettings(
    @WorkspaceId() workspaceId: string,
    @Body() body: IngestionSettingsDto,
  ): Promise<{ unknownMemberPolicy: UnknownMemberPolicy }> {
    return this.context.putSettings(workspaceId, body.unknownMemberPolicy);
  }
}
