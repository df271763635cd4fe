import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ATTRIBUTES_BIT, CORE_FIELDS, MemberPatch } from '../domain/member-input';
import { MemberEntity } from '../entities/member.entity';
import { MemberAggregateEntity } from '../entities/member-aggregate.entity';
import { MemberEventEntity } from '../entities/member-event.entity';

const bit = (field: (typeof CORE_FIELDS)[number]): number => 1 << CORE_FIELDS.indexOf(field);

/** column ← (bit of the patch mask, json_to_recordset column) */
const COLUMNS: Array<[column: string, mask: number, source: string]> = [
  ['first_name', bit('firstName'), 'r."firstName"'],
  ['last_name', bit('lastName'), 'r."lastName"'],
  ['gender', bit('gender'), 'r.gender'],
  ['birth_date', bit('birthDate'), 'r."birthDate"'],
  ['prefecture_code', bit('prefecture'), 'r."prefectureCode"'],
  ['postal_code', bit('postalCode'), 'r."postalCode"'],
  ['occupation', bit('occupation'), 'r.occupation'],
  ['membership_tier', bit('membershipTier'), 'r."membershipTier"'],
  ['points_balance', bit('pointsBalance'), 'r."pointsBalance"'],
  // A balance written here holds as of now: point_change events that happened earlier do not
  // overwrite it, later ones do (see BALANCE_SQL).
  ['points_balance_at', bit('pointsBalance'), 'CASE WHEN r."pointsBalance" IS NULL THEN NULL ELSE now() END'],
  ['registered_at', bit('registeredAt'), 'r."registeredAt"'],
  ['marketing_consent', bit('marketingConsent'), 'r."marketingConsent"'],
];

const RECORDSET = `json_to_recordset($2::json) AS r(
  "externalId" text, mask int, "firstName" text, "lastName" text, gender member_gender, "birthDate" date,
  "prefectureCode" smallint, "postalCode" text, occupation text, "membershipTier" text, "pointsBalance" int,
  "registeredAt" timestamptz, "marketingConsent" boolean, attributes jsonb)`;

/**
 * One statement per batch: UPDATE the members that exist (only the fields each record names,
 * by its mask), INSERT the others. Set-based, so 10,000 members cost one round trip.
 */
const UPSERT_SQL = `
WITH r AS (SELECT * FROM ${RECORDSET}),
upd AS (
  UPDATE members m SET
    ${COLUMNS.map(([c, mask, src]) => `${c} = CASE WHEN r.mask & ${mask} <> 0 THEN ${src} ELSE m.${c} END`).join(',\n    ')},
    attributes = CASE WHEN r.mask & ${ATTRIBUTES_BIT} <> 0 THEN jsonb_strip_nulls(m.attributes || r.attributes) ELSE m.attributes END,
    updated_at = now()
  FROM r WHERE m.workspace_id = $1 AND m.external_id = r."externalId"
  RETURNING m.external_id),
ins AS (
  INSERT INTO members (workspace_id, external_id, ${COLUMNS.map(([c]) => c).join(', ')}, attributes)
  SELECT $1, r."externalId", ${COLUMNS.map(([, , src]) => src).join(', ')}, jsonb_strip_nulls(coalesce(r.attributes, '{}'))
  FROM r WHERE NOT EXISTS (SELECT 1 FROM upd WHERE upd.external_id = r."externalId")
  ORDER BY r."externalId"
  ON CONFLICT (workspace_id, external_id) DO NOTHING
  RETURNING external_id)
SELECT (SELECT count(*)::int FROM upd) AS updated,
       (SELECT coalesce(array_agg(external_id), '{}') FROM ins) AS inserted`;

export interface MemberWithAggregates {
  member: MemberEntity;
  aggregates: MemberAggregateEntity | null;
  recentEvents: MemberEventEntity[];
}

@Injectable()
export class MembersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Upserts distinct-by-externalId patches. A member inserted concurrently by another request
   * shows up as neither updated nor inserted here; those are retried as updates.
   */
  async upsert(
    em: EntityManager,
    workspaceId: string,
    patches: MemberPatch[],
  ): Promise<{ created: number; updated: number }> {
    let pending = patches;
    let created = 0;
    for (let attempt = 0; pending.length > 0 && attempt < 5; attempt++) {
      const [row] = await em.query<
        Array<{
          updated: number;
          inserted: string[];
        }>
      >(UPSERT_SQL, [workspaceId, JSON.stringify(pending)]);
      const inserted = new Set(row.inserted);
      created += inserted.size;
      if (row.updated + inserted.size === pending.length) break;
      // Lost a race with a concurrent insert: those rows exist now, so the next pass updates
      // them (re-applying the same values to the others is harmless).
      pending = pending.filter((p) => !inserted.has(p.externalId));
    }
    return { created, updated: patches.length - created };
  }

  findByExternalId(workspaceId: string, externalId: string): Promise<MemberEntity | null> {
    return this.db.getRepository(MemberEntity).findOne({ where: { workspaceId, externalId } });
  }

  findById(workspaceId: string, id: string): Promise<MemberEntity | null> {
    return this.db.getRepository(MemberEntity).findOne({ where: { workspaceId, id } });
  }

  async details(workspaceId: string, member: MemberEntity, recent: number): Promise<MemberWithAggregates> {
    const [aggregates, recentEvents] = await Promise.all([
      this.db.getRepository(MemberAggregateEntity).findOne({ where: { workspaceId, memberId: member.id } }),
      this.db.getRepository(MemberEventEntity).find({
        where: { workspaceId, memberId: member.id },
        order: { occurredAt: 'DESC' },
        take: recent,
      }),
    ]);
    return { member, aggregates, recentEvents };
  }

  /** Erasure: events, aggregates and every later table referencing members.id go by cascade. */
  async delete(workspaceId: string, externalId: string): Promise<boolean> {
    // A WITH … SELECT: TypeORM answers a bare DELETE with [rows, count], not rows.
    const [row] = await this.db.query<Array<{ n: number }>>(
      `WITH d AS (DELETE FROM members WHERE workspace_id = $1 AND external_id = $2 RETURNING id) SELECT count(*)::int AS n FROM d`,
      [workspaceId, externalId],
    );
    return row.n > 0;
  }
}
