import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  Matches,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

export class AudienceDto {
  @ApiProperty({ enum: ['segment', 'members'] })
  @IsIn(['segment', 'members'])
  type!: 'segment' | 'members';

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  segmentId?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100_000)
  @IsString({ each: true })
  externalIds?: string[];
}

export class TriggerDto {
  @ApiProperty({ enum: ['now', 'once', 'recurring', 'event'] })
  @IsIn(['now', 'once', 'recurring', 'event'])
  type!: 'now' | 'once' | 'recurring' | 'event';

  @ApiPropertyOptional({ description: 'once: local "2026-03-01T10:00" (in timezone) or ISO with offset' })
  @IsOptional()
  @IsString()
  at?: string;

  @ApiPropertyOptional({ description: 'recurring: cron expression (5 or 6 fields)' })
  @IsOptional()
  @IsString()
  cron?: string;

  @ApiPropertyOptional({ default: 'Asia/Tokyo' })
  @IsOptional()
  @IsString()
  timezone?: string;

  @ApiPropertyOptional({ enum: ['purchase', 'reservation', 'cart_abandoned', 'signup_sequence', 'catalog'] })
  @IsOptional()
  @IsIn(['purchase', 'reservation', 'cart_abandoned', 'signup_sequence', 'catalog'])
  event?: 'purchase' | 'reservation' | 'cart_abandoned' | 'signup_sequence' | 'catalog';

  @ApiPropertyOptional({ default: 60 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(60 * 24 * 30)
  delayMinutes?: number;

  @ApiPropertyOptional({ default: 1 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(60)
  daysBefore?: number;

  @ApiPropertyOptional({ default: '18:00' })
  @IsOptional()
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/)
  atTime?: string;

  @ApiPropertyOptional({ type: [Number], description: 'signup_sequence: day of each step, e.g. [0, 3, 7]' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @IsInt({ each: true })
  @Min(0, { each: true })
  stepDays?: number[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsIn(['back_in_stock', 'price_drop'], { each: true })
  catalogKinds?: Array<'back_in_stock' | 'price_drop'>;

  @ApiPropertyOptional({ description: 'event: a segment rule the member must match when the event arrives' })
  @IsOptional()
  @IsObject()
  condition?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'event: a saved segment the member must be in when the event arrives' })
  @IsOptional()
  @IsUUID()
  segmentId?: string;
}

export class CreateCampaignDto {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  name!: string;

  @ApiProperty()
  @IsUUID()
  channelId!: string;

  @ApiPropertyOptional({ type: AudienceDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => AudienceDto)
  audience?: AudienceDto;

  @ApiProperty({
    description: '1–5 LINE message objects; strings may hold Liquid ({{ member.firstName | default: "お客様" }})',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @IsObject({ each: true })
  messages!: Array<Record<string, unknown>>;

  @ApiProperty({ type: TriggerDto })
  @ValidateNested()
  @Type(() => TriggerDto)
  trigger!: TriggerDto;

  @ApiPropertyOptional({ enum: ['marketing', 'transactional'], default: 'marketing' })
  @IsOptional()
  @IsIn(['marketing', 'transactional'])
  category?: 'marketing' | 'transactional';

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  quietHoursExempt?: boolean;

  @ApiPropertyOptional({ enum: ['refuse', 'partial'], default: 'refuse' })
  @IsOptional()
  @IsIn(['refuse', 'partial'])
  quotaPolicy?: 'refuse' | 'partial';

  @ApiPropertyOptional({
    description: 'false: create as a draft, start later with POST /campaigns/{id}/start',
    default: true,
  })
  @IsOptional()
  @IsBoolean()
  start?: boolean;
}

export class TestSendDto {
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  externalIds!: string[];
}

export class DeliverySettingsDto {
  @ApiPropertyOptional({ example: '21:00' })
  @IsOptional()
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/)
  quietStart?: string;

  @ApiPropertyOptional({ example: '09:00' })
  @IsOptional()
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/)
  quietEnd?: string;

  @ApiPropertyOptional({ example: 3 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  frequencyCapMax?: number;

  @ApiPropertyOptional({ example: 7 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  frequencyCapDays?: number;
}
