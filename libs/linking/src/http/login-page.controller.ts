import { Body, Controller, Get, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppConfig, AppException } from '@app/common';
import { Public } from '@app/workspaces';
import { LinkingErrorCode, LinkingException } from '../linking.exception';
import { LoginPageService } from '../linking/login-page.service';
import { LoginFormDto, LoginPageQueryDto } from './linking.dto';
import { loginPageHtml } from './login-page';

/**
 * /link/login: a stand-in for the company's login page, so the whole flow runs against the
 * emulator. It trusts any password, hence off by default in production.
 */
@ApiExcludeController()
@Public()
@Controller('link/login')
export class LoginPageController {
  constructor(
    private readonly config: AppConfig,
    private readonly page: LoginPageService,
  ) {}

  @Get()
  show(@Query() query: LoginPageQueryDto, @Res() reply: FastifyReply): void {
    this.ensureEnabled();
    void reply.type('text/html; charset=utf-8').send(loginPageHtml(query.linkToken ?? ''));
  }

  @Post()
  async submit(@Body() form: LoginFormDto, @Res() reply: FastifyReply): Promise<void> {
    this.ensureEnabled();
    try {
      const dialogUrl = await this.page.login(form.linkToken, form.externalId);
      await reply.status(302).header('location', dialogUrl).send();
    } catch (e) {
      if (!(e instanceof AppException) || Number(e.status) >= 500) throw e;
      await reply.status(e.status).type('text/html; charset=utf-8').send(loginPageHtml(form.linkToken, e.message));
    }
  }

  private ensureEnabled(): void {
    if (!this.config.linking.loginPageEnabled) {
      throw LinkingException.notFound(LinkingErrorCode.LoginPageDisabled, 'The reference login page is disabled');
    }
  }
}
