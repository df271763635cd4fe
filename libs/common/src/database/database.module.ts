import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { SessionLocks } from './session-locks';

/**
 * Connects TypeORM with the shared options (each lib registers its entities with forFeature) and
 * provides the process's SessionLocks to every module.
 */
@Module({})
export class DatabaseModule {
  static forRoot(applicationName: string): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [SessionLocks],
      exports: [SessionLocks],
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            ...dataSourceOptions(config, { applicationName }),
            autoLoadEntities: true,
          }),
        }),
      ],
    };
  }
}
