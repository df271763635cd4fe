import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyEntity } from './entities/api-key.entity';
import { ChannelEntity } from './entities/channel.entity';
import { WorkspaceEntity } from './entities/workspace.entity';
import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { ApiKeysService } from './api-keys/api-keys.service';
import { ChannelsRepository } from './channels/channels.repository';
import { ChannelsService } from './channels/channels.service';
import { WorkspacesRepository } from './channels/workspaces.repository';
import { WorkspacesService } from './channels/workspaces.service';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeysController } from './http/api-keys.controller';
import { ChannelsController } from './http/channels.controller';

export const WORKSPACE_ENTITIES = [WorkspaceEntity, ChannelEntity, ApiKeyEntity];

/** Workspaces, channels and API keys, for any app (api, worker, cli). */
@Module({
  imports: [TypeOrmModule.forFeature(WORKSPACE_ENTITIES)],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    ChannelsRepository,
    ChannelsService,
    WorkspacesRepository,
    WorkspacesService,
  ],
  exports: [ApiKeysService, ChannelsService, WorkspacesService],
})
export class WorkspacesModule {}

/** The HTTP side: routes, and the global API-key guard that protects every other route. */
@Module({
  imports: [WorkspacesModule],
  controllers: [ApiKeysController, ChannelsController],
  providers: [{ provide: APP_GUARD, useClass: ApiKeyGuard }],
})
export class WorkspacesHttpModule {}
