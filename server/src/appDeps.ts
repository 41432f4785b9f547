import type { Config } from './config/env';
import type { Logger } from './lib/logger';
import type { Lifecycle } from './lib/lifecycle';
import type { EventBus } from './events/bus';
import type { RollupWriter } from './rollups/rollupWriter';

/** What every route module and background service receives; features add their services here. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  lifecycle: Lifecycle;
  bus: EventBus;
  /** Counter rollups (stats): the click and order paths `add` facts; flushed in batches. */
  rollups: RollupWriter;
}
