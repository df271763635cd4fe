import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QueueModule, QueueName } from '@app/common';
import { WorkspacesModule } from '@app/workspaces';
import { MEMBER_LINE_LINKS, MembersModule } from '@app/members';
import { LineModule } from '@app/line';
import { LINKING_ENTITIES } from './linking.entities';
import { LineUsersRepository } from './users/line-users.repository';
import { LinkingMemberLineLinks } from './users/member-line-links.provider';
import { LineProfilesService } from './users/line-profiles.service';
import { LinkSecretsRepository } from './linking/link-secrets.repository';
import { AccountLinkingService } from './linking/account-linking.service';
import { LineLoginLinkingService } from './linking/line-login-linking.service';
import { MemberLinksService } from './linking/member-links.service';
import { LineMessenger } from './linking/line-messenger.service';
import { RichMenuTrigger } from './linking/rich-menu-trigger';
import { LoginPageService } from './linking/login-page.service';
import { LinkingSettingsRepository } from './settings/linking-settings.repository';
import { LinkingSettingsService } from './settings/linking-settings.service';
import { KeywordRulesRepository } from './keywords/keyword-rules.repository';
import { KeywordRulesService } from './keywords/keyword-rules.service';
import { WebhookEventsRepository } from './webhooks/webhook-events.repository';
import { WebhooksService } from './webhooks/webhooks.service';
import { LineEventsHandler } from './webhooks/line-events.handler';
import { WebhooksController } from './http/webhooks.controller';
import { LinkingController } from './http/linking.controller';
import { KeywordRulesController } from './http/keyword-rules.controller';
import { LoginPageController } from './http/login-page.controller';

/** Webhooks, ID linking, keyword replies: services for the api and the worker. */
@Module({
  imports: [
    TypeOrmModule.forFeature(LINKING_ENTITIES),
    MembersModule,
    QueueModule.register(QueueName.WebhookEvents, QueueName.LineProfiles, QueueName.RichMenuSync),
    WorkspacesModule,
    LineModule,
  ],
  providers: [
    LineUsersRepository,
    LineProfilesService,
    LinkSecretsRepository,
    AccountLinkingService,
    LineLoginLinkingService,
    MemberLinksService,
    LineMessenger,
    RichMenuTrigger,
    LoginPageService,
    LinkingSettingsRepository,
    LinkingSettingsService,
    KeywordRulesRepository,
    KeywordRulesService,
    WebhookEventsRepository,
    WebhooksService,
    LineEventsHandler,
    LinkingMemberLineLinks,
  ],
  exports: [
    LinkingMemberLineLinks,
    WebhooksService,
    LineProfilesService,
    AccountLinkingService,
    LineLoginLinkingService,
    MemberLinksService,
    LinkingSettingsService,
    KeywordRulesService,
    LoginPageService,
  ],
})
export class LinkingModule {}

/**
 * Global so that the members lib can inject MEMBER_LINE_LINKS (the LINE links shown in
 * GET /members/{externalId}) without depending on linking.
 */
@Global()
@Module({
  imports: [LinkingModule],
  providers: [{ provide: MEMBER_LINE_LINKS, useExisting: LinkingMemberLineLinks }],
  exports: [MEMBER_LINE_LINKS],
})
export class LinkingMemberLineLinksModule {}

@Module({
  imports: [LinkingModule, LinkingMemberLineLinksModule],
  controllers: [WebhooksController, LinkingController, KeywordRulesController, LoginPageController],
})
export class LinkingHttpModule {}
