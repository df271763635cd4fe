import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { WorkspacesService } from '@app/workspaces';
import { AttributeDefinitionEntity, AttributeType } from '../entities/attribute-definition.entity';
import { IngestionSettingsEntity, UnknownMemberPolicy } from '../entities/ingestion-settings.entity';
import { AttributeTypes } from '../domain/attributes';
import { todayIn } from '../domain/dates';
import { MembersErrorCode, MembersException } from '../members.exception';

export interface IngestionContext {
  timezone: string;
  today: string;
  attributeTypes: AttributeTypes;
  unknownMemberPolicy: UnknownMemberPolicy;
}

export interface AttributeDefinitionView {
  key: string;
  type: AttributeType;
  label: string | null;
  createdAt: string;
  updatedAt: string;
}

const toView = (d: AttributeDefinitionEntity): AttributeDefinitionView => ({
  key: d.key,
  type: d.type,
  label: d.label,
  createdAt: d.createdAt.toISOString(),
  updatedAt: d.updatedAt.toISOString(),
});

/** What validating a workspace's records needs: its zone, declared attributes and settings. */
@Injectable()
export class IngestionContextService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly workspaces: WorkspacesService,
  ) {}

  async load(workspaceId: string): Promise<IngestionContext> {
    const [workspace, definitions, settings] = await Promise.all([
      this.workspaces.get(workspaceId),
      this.db.getRepository(AttributeDefinitionEntity).find({ where: { workspaceId } }),
      this.db.getRepository(IngestionSettingsEntity).findOne({ where: { workspaceId } }),
    ]);
    const timezone = workspace.timezone || 'Asia/Tokyo';
    return {
      timezone,
      today: todayIn(timezone),
      attributeTypes: new Map(definitions.map((d) => [d.key, d.type])),
      unknownMemberPolicy: settings?.unknownMemberPolicy ?? UnknownMemberPolicy.Create,
    };
  }

  async listAttributes(workspaceId: string): Promise<AttributeDefinitionView[]> {
    const rows = await this.db
      .getRepository(AttributeDefinitionEntity)
      .find({ where: { workspaceId }, order: { key: 'ASC' } });
    return rows.map(toView);
  }

  /**
   * Declares (or relabels) a custom attribute. Changing the type of an attribute in use would
   * make stored values lie about their type, so it is refused while any member has a value.
   */
  async putAttribute(
    workspaceId: string,
    key: string,
    type: AttributeType,
    label: string | null,
  ): Promise<AttributeDefinitionView> {
    const repo = this.db.getRepository(AttributeDefinitionEntity);
    const existing = await repo.findOne({ where: { workspaceId, key } });
    if (existing !== null && existing.type !== type) {
      const used = await this.db.query<unknown[]>(
        `SELECT 1 FROM members WHERE workspace_id = $1 AND attributes ? $2 LIMIT 1`,
        [workspaceId, key],
      );
      if (used.length > 0) {
        throw new MembersException(
          MembersErrorCode.AttributeTypeChange,
          409,
          `Attribute "${key}" is ${existing.type} and members have values; it cannot become ${type}`,
          [{ field: 'type', reason: `members already hold ${existing.type} values` }],
        );
      }
    }
    await repo.upsert({ workspaceId, key, type, label }, ['workspaceId', 'key']);
    return toView(await repo.findOneOrFail({ where: { workspaceId, key } }));
  }

  async deleteAttribute(workspaceId: string, key: string): Promise<void> {
    const result = await this.db.getRepository(AttributeDefinitionEntity).delete({ workspaceId, key });
    if (!result.affected)
      throw MembersException.notFound(MembersErrorCode.AttributeNotFound, `Attribute "${key}" is not declared`);
  }

  async getSettings(workspaceId: string): Promise<{ unknownMemberPolicy: UnknownMemberPolicy }> {
    const row = await this.db.getRepository(IngestionSettingsEntity).findOne({ where: { workspaceId } });
    return { unknownMemberPolicy: row?.unknownMemberPolicy ?? UnknownMemberPolicy.Create };
  }

  async putSettings(
    workspaceId: string,
    unknownMemberPolicy: UnknownMemberPolicy,
  ): Promise<{ unknownMemberPolicy: UnknownMemberPolicy }> {
    await this.db.getRepository(IngestionSettingsEntity).upsert({ workspaceId, unknownMemberPolicy }, ['workspaceId']);
    return { unknownMemberPolicy };
  }
}
