import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/** LINE takes rich menu images up to 1 MB. */
export const MAX_IMAGE_BYTES = 1024 * 1024;

/**
 * Lets PUT /rich-menus/{id}/image take the raw image as the body: Fastify gets a Buffer parser
 * for image/png and image/jpeg (larger than 1 MB answers 413).
 */
@Injectable()
export class ImageBodyParser implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify === undefined || fastify.hasContentTypeParser('image/png')) return;
    fastify.addContentTypeParser(
      ['image/png', 'image/jpeg'],
      { parseAs: 'buffer', bodyLimit: MAX_IMAGE_BYTES },
      (_req, body, done) => done(null, body),
    );
  }
}
