import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsEnum,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { KeywordAction, KeywordMatch } from '../entities/keyword-rule.entity';
import { LinkMethod } from '../entities/line-user.entity';

export class CreateNonceDto {
  @ApiProperty({ description: "The member's id in the company's system", example: 'M-10023' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  externalId!: string;

  @ApiProperty({ description: 'The linkToken query parameter your login page received' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  linkToken!: string;

  @ApiPropertyOptional({
    description: 'Needed only when the workspace has several channels and the token is not known',
  })
  @IsOptional()
  @IsUUID()
  channelId?: string;
}

export class NonceDto {
  @ApiProperty({ description: 'Single use, valid until expiresAt' }) nonce!: string;
  @ApiProperty({ description: "Redirect the member's browser here (LINE's account-link dialog)" }) dialogUrl!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty() channelId!: string;
}

export class LineLoginDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(200) externalId!: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() channelId?: string;

  @ApiPropertyOptional({ description: 'ID token from LINE Login (LIFF or web); or send code' })
  @ValidateIf((o: LineLoginDto) => o.code === undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  idToken?: string;

  @ApiPropertyOptional({ description: 'Authorization code (web login), exchanged by the engine' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  code?: string;

  @ApiPropertyOptional() @IsOptional() @IsUrl({ require_tld: false }) redirectUri?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) codeVerifier?: string;
  @ApiPropertyOptional({ description: 'Access token, to store the friendship status' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  accessToken?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(255) nonce?: string;
}

export class LineLoginLinkDto {
  @ApiProperty() linked!: boolean;
  @ApiProperty() externalId!: string;
  @ApiProperty() channelId!: string;
  @ApiProperty({ enum: LinkMethod }) method!: LinkMethod;
  @ApiProperty({ nullable: true, type: Boolean }) friend!: boolean | null;
}

export class ChannelQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() channelId?: string;
}

export class MemberLinkDto {
  @ApiProperty() channelId!: string;
  @ApiProperty({ nullable: true, type: String }) linkedAt!: string | null;
  @ApiProperty({ enum: LinkMethod, nullable: true }) method!: LinkMethod | null;
  @ApiProperty() following!: boolean;
  @ApiProperty({ nullable: true, type: String }) blockedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) displayName!: string | null;
  @ApiPropertyOptional({ description: 'Only with an admin key' }) lineUserId?: string;
}

export class LinkHistoryDto {
  @ApiProperty() action!: string;
  @ApiProperty() actor!: string;
  @ApiProperty() via!: string;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty() channelId!: string;
  @ApiProperty() at!: string;
}

export class MemberLinksDto {
  @ApiProperty() externalId!: string;
  @ApiProperty() linked!: boolean;
  @ApiProperty({ type: [MemberLinkDto] }) links!: MemberLinkDto[];
  @ApiProperty({ type: [LinkHistoryDto] }) history!: LinkHistoryDto[];
}

export class UpdateLinkingSettingsDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(5000) greetingText?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() inviteOnFollow?: boolean;
  @ApiPropertyOptional({ description: 'Text of the invitation button template (≤ 160 characters)' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(160)
  invitationText?: string;

  @ApiPropertyOptional({ description: "The company's login page; ?linkToken=… is appended" })
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['https', 'http'], require_protocol: true })
  loginUrl?: string;

  @ApiPropertyOptional() @IsOptional() @IsBoolean() sendLinkedConfirmation?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(5000) linkedText?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(5000) unlinkedText?: string;
  @ApiPropertyOptional({ description: 'Liquid, e.g. {{ member.pointsBalance }}' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  memberCardTemplate?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(64) lineLoginChannelId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) lineLoginChannelSecret?: string;
}

export class LinkingSettingsDto {
  @ApiProperty() channelId!: string;
  @ApiProperty() greetingText!: string;
  @ApiProperty() inviteOnFollow!: boolean;
  @ApiProperty() invitationText!: string;
  @ApiProperty() loginUrl!: string;
  @ApiProperty() sendLinkedConfirmation!: boolean;
  @ApiProperty() linkedText!: string;
  @ApiProperty() unlinkedText!: string;
  @ApiProperty() memberCardTemplate!: string;
  @ApiProperty({ nullable: true, type: String }) lineLoginChannelId!: string | null;
  @ApiProperty() lineLoginChannelSecretSet!: boolean;
}

export class CreateKeywordRuleDto {
  @ApiProperty() @IsUUID() channelId!: string;
  @ApiProperty({ example: 'ポイント残高' }) @IsString() @IsNotEmpty() @MaxLength(100) keyword!: string;
  @ApiPropertyOptional({ enum: KeywordMatch }) @IsOptional() @IsEnum(KeywordMatch) match?: KeywordMatch;
  @ApiPropertyOptional({ enum: KeywordAction }) @IsOptional() @IsEnum(KeywordAction) action?: KeywordAction;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(100000) position?: number;
  @ApiPropertyOptional({ example: '{{ member.lastName }}様のポイント残高は{{ member.pointsBalance }}ptです' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  linkedTemplate?: string;

  @ApiPropertyOptional({ example: '会員連携するとポイント残高を確認できます。' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  unlinkedTemplate?: string;

  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
}

export class UpdateKeywordRuleDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(100) keyword?: string;
  @ApiPropertyOptional({ enum: KeywordMatch }) @IsOptional() @IsEnum(KeywordMatch) match?: KeywordMatch;
  @ApiPropertyOptional({ enum: KeywordAction }) @IsOptional() @IsEnum(KeywordAction) action?: KeywordAction;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(100000) position?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(5000) linkedTemplate?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(5000) unlinkedTemplate?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
}

export class KeywordRuleDto {
  @ApiProperty() id!: string;
  @ApiProperty() channelId!: string;
  @ApiProperty() position!: number;
  @ApiProperty() keyword!: string;
  @ApiProperty({ enum: KeywordMatch }) match!: KeywordMatch;
  @ApiProperty({ enum: KeywordAction }) action!: KeywordAction;
  @ApiProperty({ nullable: true, type: String }) linkedTemplate!: string | null;
  @ApiProperty({ nullable: true, type: String }) unlinkedTemplate!: string | null;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() createdAt!: string;
}

export class LoginFormDto {
  @IsString() @IsNotEmpty() @MaxLength(500) linkToken!: string;
  @IsString() @IsNotEmpty() @MaxLength(200) externalId!: string;
  @IsString() @IsNotEmpty() @MaxLength(200) password!: string;
}

export class LoginPageQueryDto {
  @IsOptional() @IsString() @MaxLength(500) linkToken?: string;
}
