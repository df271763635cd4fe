import { Injectable, Logger } from '@nestjs/common';
import { ChannelEntity } from '@app/workspaces';
import { LineClientFactory, LineException, LineMessage } from '@app/line';

/** Template buttons allow 160 characters of text, labels 20. */
const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Replies to users. A reply token is single-use and short-lived, so a failed reply is logged,
 * never retried: retrying the whole event would redo its other effects.
 */
@Injectable()
export class LineMessenger {
  private readonly logger = new Logger(LineMessenger.name);

  constructor(private readonly line: LineClientFactory) {}

  async reply(channel: ChannelEntity, replyToken: string | null, messages: LineMessage[]): Promise<boolean> {
    if (replyToken === null || messages.length === 0) return false;
    try {
      await this.line.forChannel(channel).replyMessage(replyToken, messages.slice(0, 5));
      return true;
    } catch (e) {
      const code = e instanceof LineException ? e.code : 'unknown';
      this.logger.warn(`reply on channel ${channel.id} failed (${code}): ${(e as Error).message}`);
      return false;
    }
  }

  static text(text: string): LineMessage {
    return { type: 'text', text: clip(text, 5_000) };
  }

  /** A buttons template with one postback button (e.g. the link invitation). */
  static postbackButton(text: string, label: string, data: string): LineMessage {
    return {
      type: 'template',
      altText: clip(text, 400),
      template: {
        type: 'buttons',
        text: clip(text, 160),
        actions: [{ type: 'postback', label: clip(label, 20), data, displayText: clip(label, 300) }],
      },
    };
  }

  /** A buttons template with one link; the alt text carries the URL for clients without templates. */
  static uriButton(text: string, label: string, uri: string): LineMessage {
    return {
      type: 'template',
      altText: clip(`${text} ${uri}`, 400),
      template: { type: 'buttons', text: clip(text, 160), actions: [{ type: 'uri', label: clip(label, 20), uri }] },
    };
  }
}
