import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { RichMenuCondition } from '../entities/rich-menu-rule.entity';

/** LINE's rich menu object (https://developers.line.biz/en/reference/messaging-api/#rich-menu-object). */
export class RichMenuSizeDto {
  @ApiProperty({ example: 2500 }) @IsInt() @Min(800) @Max(2500) width!: number;
  @ApiProperty({ example: 1686 }) @IsInt() @Min(250) @Max(2500) height!: number;
}

export class RichMenuBoundsDto {
  @ApiProperty() @IsInt() @Min(0) @Max(2500) x!: number;
  @ApiProperty() @IsInt() @Min(0) @Max(2500) y!: number;
  @ApiProperty() @IsInt() @Min(1) @Max(2500) width!: number;
  @ApiProperty() @IsInt() @Min(1) @Max(2500) height!: number;
}

const ACTIONS = ['postback', 'message', 'uri', 'datetimepicker', 'richmenuswitch', 'camera', 'cameraRoll', 'location'];

export class RichMenuActionDto {
  @ApiProperty({ enum: ACTIONS }) @IsIn(ACTIONS) type!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(20) label?: string;
  @ApiPropertyOptional({ example: 'action=link' })
  @ValidateIf((o: RichMenuActionDto) => o.type === 'postback' || o.type === 'richmenuswitch' || o.data !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  data?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(300) displayText?: string;
  @ApiPropertyOptional()
  @ValidateIf((o: RichMenuActionDto) => o.type === 'message' || o.text !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  text?: string;

  @ApiPropertyOptional()
  @ValidateIf((o: RichMenuActionDto) => o.type === 'uri' || o.uri !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  uri?: string;

  @ApiPropertyOptional()
  @ValidateIf((o: RichMenuActionDto) => o.type === 'richmenuswitch' || o.richMenuAliasId !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  richMenuAliasId?: string;

  @ApiPropertyOptional() @IsOptional() @IsIn(['date', 'time', 'datetime']) mode?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() initial?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() max?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() min?: string;
}

export class RichMenuAreaDto {
  @ApiProperty({ type: RichMenuBoundsDto }) @ValidateNested() @Type(() => RichMenuBoundsDto) bounds!: RichMenuBoundsDto;
  @ApiProperty({ type: RichMenuActionDto }) @ValidateNested() @Type(() => RichMenuActionDto) action!: RichMenuActionDto;
}

export class RichMenuObjectDto {
  @ApiProperty({ type: RichMenuSizeDto }) @ValidateNested() @Type(() => RichMenuSizeDto) size!: RichMenuSizeDto;
  @ApiProperty() @IsBoolean() selected!: boolean;
  @ApiProperty({ example: 'member menu' }) @IsString() @IsNotEmpty() @MaxLength(300) name!: string;
  @ApiProperty({ example: 'メニュー' }) @IsString() @IsNotEmpty() @MaxLength(14) chatBarText!: string;
  @ApiProperty({ type: [RichMenuAreaDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => RichMenuAreaDto)
  areas!: RichMenuAreaDto[];
}

export class CreateRichMenuDto {
  @ApiProperty() @IsUUID() channelId!: string;
  @ApiProperty({ type: RichMenuObjectDto })
  @ValidateNested()
  @Type(() => RichMenuObjectDto)
  richMenu!: RichMenuObjectDto;
}

export class RichMenuDto {
  @ApiProperty() id!: string;
  @ApiProperty() channelId!: string;
  @ApiProperty() lineRichMenuId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: Object }) definition!: Record<string, unknown>;
  @ApiProperty() imageUploaded!: boolean;
  @ApiProperty() isDefault!: boolean;
  @ApiProperty() createdAt!: string;
}

export class RichMenuRuleInputDto {
  @ApiProperty({ enum: RichMenuCondition }) @IsEnum(RichMenuCondition) condition!: RichMenuCondition;
  @ApiPropertyOptional() @IsOptional() @IsUUID() segmentId?: string;
  @ApiProperty() @IsUUID() richMenuId!: string;
}

export class ReplaceRichMenuRulesDto {
  @ApiProperty({ type: [RichMenuRuleInputDto], description: 'In priority order; the first match wins' })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => RichMenuRuleInputDto)
  rules!: RichMenuRuleInputDto[];
}

export class RichMenuRuleDto {
  @ApiProperty() position!: number;
  @ApiProperty({ enum: RichMenuCondition }) condition!: RichMenuCondition;
  @ApiProperty({ nullable: true, type: String }) segmentId!: string | null;
  @ApiProperty() richMenuId!: string;
}

export class ChannelFilterDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() channelId?: string;
}
