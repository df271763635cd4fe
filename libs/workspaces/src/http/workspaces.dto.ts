import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsEnum,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { ApiKeyScope } from '../entities/api-key.entity';

@ValidatorConstraint({ name: 'timeZone' })
export class IsTimeZone implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    try {
      new Intl.DateTimeFormat('en', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  }

  defaultMessage(): string {
    return 'must be an IANA time zone such as Asia/Tokyo';
  }
}

export class CreateApiKeyDto {
  @ApiProperty({ enum: ApiKeyScope })
  @IsEnum(ApiKeyScope)
  scope!: ApiKeyScope;

  @ApiPropertyOptional({ example: 'crm-sync' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;
}

export class ApiKeyDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Public start of the key, to tell keys apart' }) prefix!: string;
  @ApiProperty({ enum: ApiKeyScope }) scope!: ApiKeyScope;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key itself. Shown only this once: store it now.' })
  key!: string;
}

export class CreateChannelDto {
  @ApiProperty({ example: 'Shop official account' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ description: "LINE's channel id (the Messaging API channel)", example: '1656789012' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  lineChannelId!: string;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  channelSecret!: string;

  @ApiProperty({ description: 'Long-lived channel access token' })
  @IsString()
  @IsNotEmpty()
  accessToken!: string;

  @ApiPropertyOptional({ example: 'Asia/Tokyo' })
  @IsOptional()
  @Validate(IsTimeZone)
  timezone?: string;
}

export class UpdateChannelDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() channelSecret?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() accessToken?: string;
  @ApiPropertyOptional() @IsOptional() @Validate(IsTimeZone) timezone?: string;
}

export class ChannelDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() lineChannelId!: string;
  @ApiProperty() timezone!: string;
  @ApiProperty({ description: 'Path of the webhook URL to set in the LINE console' }) webhookPath!: string;
  @ApiProperty() accessTokenHint!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The bot's own LINE user id, learnt from the `destination` of the channel's webhooks",
  })
  botUserId!: string | null;
  @ApiProperty() createdAt!: string;
}
