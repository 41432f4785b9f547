import type { Logger } from './logger';

type Hook = { name: string; run: () => Promise<void> | void };

/** Ordered shutdown: things registered later (buffers, jobs) stop before things registered earlier (the database). */
export class Lifecycle {
  private hooks: Hook[] = [];
  private stopping?: Promise<void>;

  constructor(private readonly logger: Logger) {}

  onShutdown(name: string, run: Hook['run']): void {
    this.hooks.push({ name, run });
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      for (const hook of [...this.hooks].reverse()) {
        try {
          const started = Date.now();
          await hook.run();
          // At info: after a deploy, these lines show what was drained and flushed, and how long it took.
          this.logger.info({ hook: hook.name, ms: Date.now() - started }, `shutdown step done: ${hook.name}`);
        } catch (err) {
          this.logger.error({ err, hook: hook.name }, 'shutdown step failed');
        }
      }
    })();
    return this.stopping;
  }
}
