import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsDateString,
  IsDefined,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { Type } from 'class-transformer';
import { RULE_LIMITS } from '../rules/rule.limits';
import { RULE_REF } from './rule-schema.dto';

/** The rule tree in the OpenAPI document: one of the node kinds of rule-schema.dto.ts, nested to any depth. */
export const RULE_SCHEMA = {
  description: `A segment rule tree (docs/segments.md): exactly one node kind; all/any/not nest any node kind. Limits: depth ${RULE_LIMITS.maxDepth}, ${RULE_LIMITS.maxNodes} nodes, ${RULE_LIMITS.maxListLength} values per list. Unless a link condition appears, the audience is limited to members linked to a following, unblocked LINE user of the channel.`,
  ...RULE_REF,
  example: {
    all: [
      { attr: 'gender', op: 'eq', value: 'male' },
      { attr: 'age', op: 'between', value: [30, 40] },
    ],
  },
};

export class PreviewSegmentDto {
  @ApiProperty({ format: 'uuid', description: 'Channel whose LINE users define reachability' })
  @IsUUID()
  channelId!: string;

  @ApiProperty(RULE_SCHEMA)
  @IsDefined()
  rules!: unknown;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100)
  sampleSize?: number;

  @ApiPropertyOptional({ description: 'Evaluate as of this instant (default: now)', format: 'date-time' })
  @IsOptional()
  @IsDateString()
  now?: string;
}

export class CompileSegmentDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() channelId!: string;
  @ApiProperty(RULE_SCHEMA) @IsDefined() rules!: unknown;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsDateString() now?: string;
}

export class CreateSegmentDto {
  @ApiProperty({ example: 'Men aged 30–40' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiProperty({ format: 'uuid', description: 'Channel the cached count is for' })
  @IsUUID()
  channelId!: string;

  @ApiProperty(RULE_SCHEMA)
  @IsDefined()
  rules!: unknown;
}

export class UpdateSegmentDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) name?: string;
  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() channelId?: string;
  @ApiPropertyOptional(RULE_SCHEMA) @IsOptional() rules?: unknown;
}

export class SnapshotSegmentDto {
  @ApiPropertyOptional({ format: 'uuid', description: "Default: the segment's channel" })
  @IsOptional()
  @IsUUID()
  channelId?: string;

  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsDateString() now?: string;
}

export class SnapshotMembersQueryDto {
  @ApiPropertyOptional({ description: 'Continue after this member id (keyset)' })
  @IsOptional()
  @Matches(/^[0-9]{1,19}$/)
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 10000, default: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit?: number;
}

export class SegmentCountsDto {
  @ApiProperty() matching!: number;
  @ApiProperty() reachable!: number;
  @ApiProperty({ description: 'The audience of a send' }) audience!: number;
}

export class PreviewSampleDto {
  @ApiProperty() memberId!: string;
  @ApiProperty() externalId!: string;
  @ApiProperty({ nullable: true, type: String }) lineUserId!: string | null;
}

export class PreviewResultDto extends SegmentCountsDto {
  @ApiProperty() restrictedToReachable!: boolean;
  @ApiProperty({ type: [PreviewSampleDto] }) sample!: PreviewSampleDto[];
  @ApiProperty() evaluatedAt!: string;
}

export class SegmentCountDto extends SegmentCountsDto {
  @ApiProperty() countedAt!: string;
}

export class SegmentDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() channelId!: string;
  @ApiProperty() version!: number;
  @ApiProperty(RULE_SCHEMA) rules!: unknown;
  @ApiProperty({ type: SegmentCountDto, nullable: true }) count!: SegmentCountDto | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class SnapshotDto {
  @ApiProperty() snapshotId!: string;
  @ApiProperty() size!: number;
}

export class SnapshotMemberDto {
  @ApiProperty() memberId!: string;
  @ApiProperty({ nullable: true, type: String }) lineUserId!: string | null;
}

export class CompiledSqlDto {
  @ApiProperty({ description: 'the count merging members with the reachable users (many matching)' })
  count!: string;
  @ApiProperty({ description: 'the same count probing reachability per member (few matching); the planner picks' })
  countByProbe!: string;
  @ApiProperty() sample!: string;
  @ApiProperty({ type: 'array', items: {} }) params!: unknown[];
  @ApiProperty() restrictedToReachable!: boolean;
}
