import { INestApplicationContext } from '@nestjs/common';
import { ApiKeyScope, ApiKeysService, WorkspacesService } from '@app/workspaces';

export interface ApiKeyArgs {
  action: string;
  scope?: string;
  name?: string;
  workspace?: string;
  id?: string;
}

const scopes = Object.values(ApiKeyScope) as string[];

export async function apiKeyCommand(
  app: INestApplicationContext,
  args: ApiKeyArgs,
  out: (line: string) => void,
): Promise<void> {
  const workspaces = app.get(WorkspacesService);
  const apiKeys = app.get(ApiKeysService);
  const workspaceId = args.workspace ?? (await workspaces.ensureDefault()).id;
  switch (args.action) {
    case 'create': {
      if (args.scope === undefined || !scopes.includes(args.scope)) {
        throw new Error(`--scope must be one of ${scopes.join(', ')}`);
      }
      const scope = args.scope as ApiKeyScope;
      const { key, view } = await apiKeys.create(workspaceId, scope, args.name ?? `${scope} key (cli)`);
      out(key);
      process.stderr.write(`Created ${view.scope} key ${view.prefix} (id ${view.id}) in workspace ${workspaceId}.\n`);
      process.stderr.write('Store it now: it is shown only once.\n');
      return;
    }
    case 'list':
      for (const k of await apiKeys.list(workspaceId)) {
        out(
          [k.id, k.prefix, k.scope, k.name, k.createdAt, k.revokedAt ? `revoked ${k.revokedAt}` : 'active'].join('\t'),
        );
      }
      return;
    case 'revoke':
      if (args.id === undefined) throw new Error('usage: api-key revoke <id>');
      await apiKeys.revoke(workspaceId, args.id);
      out(`revoked ${args.id}`);
      return;
    default:
      throw new Error('usage: api-key create --scope <admin|write|read> [--name N] | list | revoke <id>');
  }
}
