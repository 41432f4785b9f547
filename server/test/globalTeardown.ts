import type { DatabaseEngine } from '../src/db/engine';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __tularEngine?: DatabaseEngine }).__tularEngine?.stop();
}
