import { AttributeDefinitionEntity } from './entities/attribute-definition.entity';
import { CatalogEventEntity } from './entities/catalog-event.entity';
import { ImportChunkEntity } from './entities/import-chunk.entity';
import { ImportEntity } from './entities/import.entity';
import { IngestionSettingsEntity } from './entities/ingestion-settings.entity';
import { MemberAggregateEntity } from './entities/member-aggregate.entity';
import { MemberEventEntity } from './entities/member-event.entity';
import { MemberEntity } from './entities/member.entity';
import { ProductEntity } from './entities/product.entity';
import { TriggerOutboxEntity } from './entities/trigger-outbox.entity';

/** Every table of the members lib (members, events, aggregates, catalog, imports, outbox). */
export const MEMBER_ENTITIES = [
  MemberEntity,
  AttributeDefinitionEntity,
  MemberEventEntity,
  MemberAggregateEntity,
  ProductEntity,
  CatalogEventEntity,
  TriggerOutboxEntity,
  ImportEntity,
  ImportChunkEntity,
  IngestionSettingsEntity,
];
