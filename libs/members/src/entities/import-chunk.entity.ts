import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ImportEntity } from './import.entity';

/**
 * The uploaded file, in order, ~1 MiB per row: kept in PostgreSQL so that api and worker need
 * no shared disk, and streamed in both directions without holding the file in memory.
 */
@Entity({ name: 'import_chunks' })
export class ImportChunkEntity {
  @PrimaryColumn({ name: 'import_id', type: 'uuid' })
  importId!: string;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @ManyToOne(() => ImportEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'import_id' })
  import?: ImportEntity;

  @Column({ type: 'bytea' })
  data!: Buffer;
}
