import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, AppConfigModule, DatabaseModule } from '@app/common';
import { WorkspacesModule } from '@app/workspaces';

@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [AppConfigModule.forRoot(config), DatabaseModule.forRoot('lse-cli'), WorkspacesModule],
    };
  }
}
