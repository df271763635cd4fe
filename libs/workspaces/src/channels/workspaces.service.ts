import { Injectable } from '@nestjs/common';
import { WorkspaceEntity } from '../entities/workspace.entity';
import { WorkspacesErrorCode, WorkspacesException } from '../workspaces.exception';
import { WorkspacesRepository } from './workspaces.repository';

@Injectable()
export class WorkspacesService {
  constructor(private readonly repository: WorkspacesRepository) {}

  async get(workspaceId: string): Promise<WorkspaceEntity> {
    const workspace = await this.repository.findById(workspaceId);
    if (workspace === null) {
      throw WorkspacesException.notFound(WorkspacesErrorCode.WorkspaceNotFound, `Workspace ${workspaceId} not found`);
    }
    return workspace;
  }

  /** The first workspace, created on first use, so that a fresh install needs no set-up. */
  async ensureDefault(): Promise<WorkspaceEntity> {
    return (await this.repository.findOldest()) ?? this.repository.insert('Default', 'Asia/Tokyo');
  }
}
