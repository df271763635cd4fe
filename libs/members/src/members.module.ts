import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { FastifyInstance } from 'fastify';
import { QueueModule, QueueName } from '@app/common';
import { WorkspacesModule } from '@app/workspaces';
import { MEMBER_ENTITIES } from './members.entities';
import { MembersRepository } from './members/members.repository';
import { MembersService } from './members/members.service';
import { IngestionContextService } from './members/ingestion-context.service';
import { EventsRepository } from './events/events.repository';
import { EventsService } from './events/events.service';
import { ProductsRepository } from './catalog/products.repository';
import { ProductsService } from './catalog/products.service';
import { ImportsRepository } from './imports/imports.repository';
import { ImportsService } from './imports/imports.service';
import { TriggerPublisher } from './outbox/trigger-publisher';
import { TriggerRelay } from './outbox/trigger-relay';
import { MembersController } from './http/members.controller';
import { EventsController } from './http/events.controller';
import { CatalogController } from './http/catalog.controller';
import { ImportsController } from './http/imports.controller';
import { IngestionSettingsController } from './http/settings.controller';

/** Members, events, catalog, imports and the trigger outbox, for any app (api, worker, cli). */
@Module({
  imports: [
    TypeOrmModule.forFeature(MEMBER_ENTITIES),
    WorkspacesModule,
    QueueModule.register(QueueName.Imports, QueueName.TriggerEvents),
  ],
  providers: [
    MembersRepository,
    MembersService,
    IngestionContextService,
    EventsRepository,
    EventsService,
    ProductsRepository,
    ProductsService,
    ImportsRepository,
    ImportsService,
    TriggerPublisher,
    TriggerRelay,
  ],
  exports: [
    MembersService,
    EventsService,
    ProductsService,
    ImportsService,
    IngestionContextService,
    TriggerPublisher,
    TriggerRelay,
  ],
})
export class MembersModule {}

/** Content types whose body is handed to the route as the raw stream (file imports). */
const STREAMED_TYPES = ['text/csv', 'application/octet-stream'];

@Module({
  imports: [MembersModule],
  controllers: [MembersController, EventsController, CatalogController, ImportsController, IngestionSettingsController],
})
export class MembersHttpModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    for (const type of STREAMED_TYPES) {
      if (!fastify.hasContentTypeParser(type))
        fastify.addContentTypeParser(type, (_req, payload, done) => done(null, payload));
    }
  }
}
