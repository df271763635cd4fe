import { HTTP_LOG_SERIALIZERS } from './logging.module';

describe('request log line', () => {
  it('keeps the id, method, url and address of a request and none of its headers', () => {
    const serialized = HTTP_LOG_SERIALIZERS.req({
      id: 'req-1',
      method: 'POST',
      url: '/events?unknownMembers=reject',
      remoteAddress: '127.0.0.1',
      ...{ headers: { authorization: 'Bearer lse_secret', 'x-line-signature': 'sig' }, query: { a: '1' } },
    });
    expect(serialized).toEqual({
      id: 'req-1',
      method: 'POST',
      url: '/events?unknownMembers=reject',
      remoteAddress: '127.0.0.1',
    });
    expect(JSON.stringify(serialized)).not.toContain('lse_secret');
  });

  it('keeps only the status code of a response', () => {
    expect(HTTP_LOG_SERIALIZERS.res({ statusCode: 201, ...{ headers: { 'set-cookie': 'x' } } })).toEqual({
      statusCode: 201,
    });
  });
});
