import type { MemberRenderFields } from '@app/delivery';

/**
 * The member fields templates may read (a whitelist: nothing else of a member reaches a message),
 * as columns of `m` (members) and `lu` (line_users), and their mapping. Shared by the send-time
 * read of personalised batches and the event launch's planning statement, which returns them
 * with the batches it writes (one statement fewer before the push).
 */
export const MEMBER_FIELD_COLUMNS = `m.external_id, m.first_name, m.last_name, m.points_balance, m.membership_tier,
  m.birth_date::text AS birth_date, m.attributes, lu.display_name`;

export interface MemberFieldRow {
  external_id: string;
  first_name: string | null;
  last_name: string | null;
  points_balance: number | null;
  membership_tier: string | null;
  birth_date: string | null;
  attributes: Record<string, unknown>;
  display_name: string | null;
}

export function memberFieldsOf(r: MemberFieldRow): MemberRenderFields {
  return {
    externalId: String(r.external_id),
    firstName: r.first_name,
    lastName: r.last_name,
    points: r.points_balance,
    tier: r.membership_tier,
    birthDate: r.birth_date,
    displayName: r.display_name,
    attributes: r.attributes,
  };
}
