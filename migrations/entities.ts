import { WORKSPACE_ENTITIES } from '@app/workspaces';

/** Every entity of every lib: what the migrations must produce, checked by the schema-drift test. */
export const ALL_ENTITIES = [...WORKSPACE_ENTITIES];
