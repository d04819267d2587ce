import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PgliteServer } from './pglite-server.ts';

async function connect(port: number, user: string, password?: string): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'postgres', connectionTimeoutMillis: 5000 });
  await client.connect();
  return client;
}

describe('PgliteServer', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create();
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });

  test('without auth anyone is let in (the dev catalog)', async () => {
    const server = new PgliteServer({ db });
    const port = await server.start();
    try {
      const client = await connect(port, 'whoever');
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.end();
    } finally {
      await server.stop();
    }
  });

  test('with auth, only the configured user and password get in, and a rotation applies at once', async () => {
    let credentials = { user: 'app', password: 'right' };
    const server = new PgliteServer({ db, auth: () => credentials });
    const port = await server.start();
    try {
      await expect(connect(port, 'app', 'wrong')).rejects.toMatchObject({ code: '28P01', message: 'password authentication failed for user "app"' });
      await expect(connect(port, 'postgres', 'right')).rejects.toMatchObject({ code: '28P01' });
      const client = await connect(port, 'app', 'right');
      expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
      await client.end();
      credentials = { user: 'app', password: 'next' };
      await expect(connect(port, 'app', 'right')).rejects.toMatchObject({ code: '28P01' });
      await (await connect(port, 'app', 'next')).end();
    } finally {
      await server.stop();
    }
  });

  test('runExclusive waits for a client transaction to end', async () => {
    const server = new PgliteServer({ db });
    const port = await server.start();
    try {
      const client = await connect(port, 'app');
      await client.query('BEGIN');
      await client.query('CREATE TABLE IF NOT EXISTS exclusive_probe (n int)');
      const order: string[] = [];
      const exclusive = server.runExclusive(async () => {
        order.push('exclusive');
        return db.isInTransaction();
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      order.push('commit');
      await client.query('COMMIT');
      expect(await exclusive).toBe(false);
      expect(order).toEqual(['commit', 'exclusive']);
      await client.end();
      await expect(
        (async () => {
          const holder = await connect(port, 'app');
          await holder.query('BEGIN');
          try {
            await server.runExclusive(async () => undefined, 100);
          } finally {
            await holder.query('ROLLBACK');
            await holder.end();
          }
        })(),
      ).rejects.toThrow(/timed out/);
    } finally {
      await server.stop();
    }
  });
});
