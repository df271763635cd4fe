import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyScope } from '../entities/api-key.entity';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { RequireScope, WorkspaceId } from '../auth/auth.decorators';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './workspaces.dto';

@ApiTags('api-keys')
@ApiBearerAuth()
@RequireScope(ApiKeyScope.Admin)
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOkResponse({ type: CreatedApiKeyDto })
  async create(@WorkspaceId() workspaceId: string, @Body() body: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const { key, view } = await this.apiKeys.create(workspaceId, body.scope, body.name ?? `${body.scope} key`);
    return { ...view, key };
  }

  @Get()
  @ApiOkResponse({ type: [ApiKeyDto] })
  list(@WorkspaceId() workspaceId: string): Promise<ApiKeyDto[]> {
    return this.apiKeys.list(workspaceId);
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@WorkspaceId() workspaceId: string, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.apiKeys.revoke(workspaceId, id);
  }
}
