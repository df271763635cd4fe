import type { Client } from 'pg';

export interface CampaignFixture {
  workspace: string;
  channel: string;
  campaign: string;
}

/**
 * A workspace with one channel and one campaign of the given name and status, written straight
 * into the tables: for specs of single statements that need rows to point at, not the services.
 */
export async function insertCampaignFixture(sql: Client, name: string, status: string): Promise<CampaignFixture> {
  const { rows } = await sql.query<CampaignFixture>(
    `WITH w AS (INSERT INTO workspaces (name) VALUES ($1) RETURNING id),
     ch AS (INSERT INTO channels (workspace_id, name, line_channel_id, channel_secret, access_token)
            SELECT id, 'main', '1', 's', 't' FROM w RETURNING id, workspace_id),
     c AS (INSERT INTO campaigns (workspace_id, channel_id, name, status, category, quota_policy, messages, trigger)
           SELECT workspace_id, id, $1, $2, 'marketing', 'refuse', '[]', '{}' FROM ch
           RETURNING id, workspace_id, channel_id)
     SELECT workspace_id::text AS workspace, channel_id::text AS channel, id::text AS campaign FROM c`,
    [name, status],
  );
  return rows[0];
}
