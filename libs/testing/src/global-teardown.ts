import { Client } from 'pg';
import { TEMPLATE_DATABASE, databaseUrl } from './test-env';

export default async function globalTeardown(): Promise<void> {
  const admin = new Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
