import { createTestContext, TestContext } from '@app/testing';
import { createDataSource } from '../migrations/data-source';

describe('schema', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => ctx?.close());

  it('has no difference between the entities and the migrations', async () => {
    const dataSource = await createDataSource(ctx.config).initialize();
    try {
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });
});
