import type { Config } from '../config/env';
import { SERVICE_DATABASE, resolveConfiguredEngine, uriWithDatabase } from '../db/engine';
import { connectDatabase, disconnectDatabase } from '../db/connection';

/** Runs a one-off command against the service's database, then disconnects and stops any engine it started. */
export async function withServiceDatabase<T>(config: Config, run: () => Promise<T>): Promise<T> {
  const engine = await resolveConfiguredEngine(config, (m) => console.log(m));
  try {
    await connectDatabase(uriWithDatabase(engine.uri, SERVICE_DATABASE));
    return await run();
  } finally {
    await disconnectDatabase();
    await engine.stop();
  }
}
