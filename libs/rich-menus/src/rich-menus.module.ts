import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QueueModule, QueueName } from '@app/common';
import { WorkspacesModule } from '@app/workspaces';
import { LineModule } from '@app/line';
import { RICH_MENU_ENTITIES } from './rich-menus.entities';
import { RichMenusRepository } from './menus/rich-menus.repository';
import { RichMenusService } from './menus/rich-menus.service';
import { MenuUsersRepository } from './sync/menu-users.repository';
import { RichMenuSyncService } from './sync/rich-menu-sync.service';
import { RichMenusController } from './http/rich-menus.controller';
import { ImageBodyParser } from './http/image-body.parser';

/** Rich menus, assignment rules and their sync to LINE, for the api and the worker. */
@Module({
  imports: [
    TypeOrmModule.forFeature(RICH_MENU_ENTITIES),
    QueueModule.register(QueueName.RichMenuSync),
    WorkspacesModule,
    LineModule,
  ],
  providers: [RichMenusRepository, RichMenusService, MenuUsersRepository, RichMenuSyncService],
  exports: [RichMenusService, RichMenuSyncService],
})
export class RichMenusModule {}

@Module({
  imports: [RichMenusModule],
  controllers: [RichMenusController],
  providers: [ImageBodyParser],
})
export class RichMenusHttpModule {}
