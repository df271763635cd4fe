import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { preparedRows } from '@app/common';
import { BatchRef, LINE_USER_OF_MEMBER, REACHABLE, RecipientWithMember, SEND_SKIP } from './batches.types';
import { MEMBER_FIELD_COLUMNS, MemberFieldRow, memberFieldsOf } from './member-fields.sql';

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
    const rows = await preparedRows<
      MemberFieldRow & { batch_id: string; member_id: string; line_user_id: string | null; skip: string | null }
    >(
      this.dataSource,
      `SELECT b.id AS batch_id, u.member_id::text AS member_id,
              CASE WHEN ${REACHABLE} THEN lu.line_user_id END AS line_user_id,
              ${SEND_SKIP} AS skip, ${MEMBER_FIELD_COLUMNS}
       FROM delivery_batches b CROSS JOIN LATERAL unnest(b.member_ids) WITH ORDINALITY AS u(member_id, i)
       JOIN members m ON m.id = u.member_id
       LEFT JOIN LATERAL (${LINE_USER_OF_MEMBER}) lu ON true
       WHERE b.id = ANY($1::uuid[]) ORDER BY b.id, u.i`,
      [batchIds],
    );
    const byBatch = new Map<string, RecipientWithMember[]>();
    for (const r of rows) {
      const list = byBatch.get(r.batch_id) ?? [];
      byBatch.set(r.batch_id, list);
      list.push({ memberId: r.member_id, lineUserId: r.line_user_id, skip: r.skip, member: memberFieldsOf(r) });
    }
    return byBatch;
  }
}
