import { Injectable } from '@nestjs/common';
import { InjectTypedQueue, QueueName, TypedQueue } from '@app/common';

/** Asks the rich-menu sync to look at users whose link state changed (the rules decide the menu). */
@Injectable()
export class RichMenuTrigger {
  constructor(@InjectTypedQueue(QueueName.RichMenuSync) private readonly queue: TypedQueue<QueueName.RichMenuSync>) {}

  async usersChanged(channelId: string, lineUserRowIds: string[]): Promise<void> {
    if (lineUserRowIds.length === 0) return;
    await this.queue.add('users', { channelId, lineUserRowIds });
  }
}
