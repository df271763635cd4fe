import { DynamicModule, Module } from '@nestjs/common';
import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { AppConfig } from '../config/app-config';
import { redisOptions } from '../redis/redis.module';
import { DEFAULT_JOB_OPTIONS, QueueName } from './queue.types';

/** BullMQ wired once: one Redis connection config, the environment's key prefix. */
@Module({})
export class QueueModule {
  static forRoot(): DynamicModule {
    return {
      module: QueueModule,
      imports: [
        BullModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => {
            const { host, port, username, password, db, tls } = redisOptions(config.redis.url);
            return {
              connection: { host, port, username, password, db, tls, maxRetriesPerRequest: null },
              prefix: config.queue.prefix,
              defaultJobOptions: DEFAULT_JOB_OPTIONS,
            };
          },
        }),
      ],
    };
  }

  /** Registers queues for injection with {@link InjectTypedQueue}. */
  static register(...names: QueueName[]): DynamicModule {
    const queues = BullModule.registerQueue(...names.map((name) => ({ name })));
    return { module: QueueModule, imports: [queues], exports: [queues] };
  }
}

export const InjectTypedQueue = (name: QueueName): ParameterDecorator => InjectQueue(name);
