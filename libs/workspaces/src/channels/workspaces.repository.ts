import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { WorkspaceEntity } from '../entities/workspace.entity';

@Injectable()
export class WorkspacesRepository {
  constructor(@InjectRepository(WorkspaceEntity) private readonly workspaces: Repository<WorkspaceEntity>) {}

  findById(workspaceId: string): Promise<WorkspaceEntity | null> {
    return this.workspaces.findOne({ where: { id: workspaceId } });
  }

  findOldest(): Promise<WorkspaceEntity | null> {
    return this.workspaces.findOne({ where: {}, order: { createdAt: 'ASC' } });
  }

  insert(name: string, timezone: string): Promise<WorkspaceEntity> {
    return this.workspaces.save(this.workspaces.create({ name, timezone }));
  }
}
