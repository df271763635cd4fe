import { DynamicModule, Logger, Module } from '@nestjs/common';
import { BullModule, getQueueToken, InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
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

  /**
   * Registers queues for injection with {@link InjectTypedQueue}. Each queue's own errors (its
   * Redis connection lost) are warned through the logger: with no 'error' listener BullMQ writes
   * them to the console with their stack, past the logger and its level.
   */
  static register(...names: QueueName[]): DynamicModule {
    const queues = BullModule.registerQueue(...names.map((name) => ({ name })));
    const reporter = {
      provide: `queue-error-reporter:${names.join(',')}`,
      inject: names.map((name) => getQueueToken(name)),
      useFactory: (...registered: Queue[]): true => {
        const logger = new Logger('Queue');
        for (const queue of registered)
          queue.on('error', (e: Error) => logger.warn(`queue ${queue.name}: ${e.message}`));
        return true;
      },
    };
    return { module: QueueModule, imports: [queues], providers: [reporter], exports: [queues] };
  }
}

export const InjectTypedQueue = (name: QueueName): ParameterDecorator => InjectQueue(name);
