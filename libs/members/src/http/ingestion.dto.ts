import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEnum, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { AttributeType } from '../entities/attribute-definition.entity';
import { ImportFormat, ImportKind } from '../entities/import.entity';
import { UnknownMemberPolicy } from '../entities/ingestion-settings.entity';
import { ATTRIBUTE_KEY } from '../domain/attributes';

const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class BulkQueryDto {
  @ApiPropertyOptional({ description: 'true: one bad record rejects the whole request (400), nothing stored' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  atomic?: boolean;
}

export class EventsQueryDto extends BulkQueryDto {
  @ApiPropertyOptional({ enum: UnknownMemberPolicy, description: 'Overrides the workspace setting' })
  @IsOptional()
  @IsEnum(UnknownMemberPolicy)
  unknownMembers?: UnknownMemberPolicy;
}

export class ImportQueryDto {
  @ApiProperty({ enum: ImportKind })
  @IsEnum(ImportKind)
  kind!: ImportKind;

  @ApiPropertyOptional({ enum: ImportFormat, description: 'Default: from the content type (text/csv → csv)' })
  @IsOptional()
  @IsEnum(ImportFormat)
  format?: ImportFormat;

  @ApiPropertyOptional({ enum: UnknownMemberPolicy })
  @IsOptional()
  @IsEnum(UnknownMemberPolicy)
  unknownMembers?: UnknownMemberPolicy;
}

export class AttributeKeyParam {
  @Matches(ATTRIBUTE_KEY, { message: 'key must be lower-case letters, digits and _, starting with a letter' })
  key!: string;
}

export class PutAttributeDefinitionDto {
  @ApiProperty({ enum: AttributeType })
  @IsEnum(AttributeType)
  type!: AttributeType;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  label?: string;
}

export class IngestionSettingsDto {
  @ApiProperty({ enum: UnknownMemberPolicy })
  @IsEnum(UnknownMemberPolicy)
  unknownMemberPolicy!: UnknownMemberPolicy;
}

export class BulkResultDto {
  @ApiProperty() accepted!: number;
  @ApiProperty() duplicates!: number;
  @ApiProperty({ description: '[{index|line, field, reason}]' }) rejected!: Array<Record<string, unknown>>;
}
