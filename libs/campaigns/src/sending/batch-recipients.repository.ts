import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { preparedRows } from '@app/common';
import { BatchRef, LINE_USER_OF_MEMBER, REACHABLE, RecipientWithMember, SEND_SKIP } from './batches.types';

/** The recipients of personalised batches with the member fields their templates may read. */
@Injectable()
export class BatchRecipientsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Recipients with the whitelisted member fields templates may read (an erased member has no row). */
  async recipientsWithMembers(batch: BatchRef): Promise<RecipientWithMember[]> {
    return (await this.recipientsWithMembersOf([batch.id])).get(batch.id) ?? [];
  }

  /** {@link recipientsWithMembers} of many batches in one statement, by batch id. */
  async recipientsWithMembersOf(batchIds: string[]): Promise<Map<string, RecipientWithMember[]>> {
    const rows = await preparedRows<Record<string, unknown>>(
      this.dataSource,
      `SELECT b.id AS batch_id, u.member_id::text AS member_id,
              CASE WHEN ${REACHABLE} THEN lu.line_user_id END AS line_user_id,
              ${SEND_SKIP} AS skip, m.external_id, m.first_name, m.last_name,
              m.points_balance, m.membership_tier, m.birth_date::text AS birth_date, m.attributes, lu.display_name
       FROM delivery_batches b CROSS JOIN LATERAL unnest(b.member_ids) WITH ORDINALITY AS u(member_id, i)
       JOIN members m ON m.id = u.member_id
       LEFT JOIN LATERAL (${LINE_USER_OF_MEMBER}) lu ON true
       WHERE b.id = ANY($1::uuid[]) ORDER BY b.id, u.i`,
      [batchIds],
    );
    const byBatch = new Map<string, RecipientWithMember[]>();
    for (const r of rows) {
      const list = byBatch.get(String(r.batch_id)) ?? [];
      byBatch.set(String(r.batch_id), list);
      list.push({
        memberId: String(r.member_id),
        lineUserId: r.line_user_id as string | null,
        skip: r.skip as string | null,
        member: {
          externalId: String(r.external_id),
          firstName: r.first_name as string | null,
          lastName: r.last_name as string | null,
          points: r.points_balance as number | null,
          tier: r.membership_tier as string | null,
          birthDate: r.birth_date as string | null,
          displayName: r.display_name as string | null,
          attributes: r.attributes as Record<string, unknown>,
        },
      });
    }
    return byBatch;
  }
}
