import { WORKSPACE_ENTITIES } from '@app/workspaces';
import { MEMBER_ENTITIES } from '@app/members';
import { CAMPAIGN_ENTITIES } from '@app/campaigns';
import { LINKING_ENTITIES } from '@app/linking';
import { RICH_MENU_ENTITIES } from '@app/rich-menus';
import { SEGMENT_ENTITIES } from '@app/segments';

/** Every entity of every lib: what the migrations must produce, checked by the schema-drift test. */
export const ALL_ENTITIES = [
  ...WORKSPACE_ENTITIES,
  ...MEMBER_ENTITIES,
  ...CAMPAIGN_ENTITIES,
  ...LINKING_ENTITIES,
  ...RICH_MENU_ENTITIES,
  ...SEGMENT_ENTITIES,
];
