import http from 'node:http';
import type { AppDeps } from './appDeps';
import { createApp, type BuiltApp } from './app';
import { createRedirect, type RedirectHandler } from './redirect';
import { attachRealtime, type Realtime } from './realtime/realtimeServer';

export interface TularServer extends BuiltApp {
  server: http.Server;
  /** The `/r/:code` fast path (its click buffer and link cache are reachable for stats and tests). */
  redirect: RedirectHandler;
  /** socket.io live stats on the same port. */
  realtime: Realtime;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes idle sockets. */
  close(graceMs?: number): Promise<void>;
}

/** The HTTP server: the Express app plus whatever shares its port (the redirect fast path, socket.io). */
export function createTularServer(deps: AppDeps): TularServer {
  const built = createApp(deps);
  const redirect = createRedirect(deps);
  // The redirect answers on the raw request, before Express: it is the hot path.
  const server = http.createServer((req, res) => {
    if (!redirect.handle(req, res)) built.app(req, res);
  });
  server.keepAliveTimeout = 5000;
  const realtime = attachRealtime(server, deps);
  const closeHttp = (graceMs = 10_000): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
  // Live sockets first: upgraded connections would otherwise keep the HTTP server open.
  const close = async (graceMs?: number): Promise<void> => {
    await realtime.close();
    await closeHttp(graceMs);
  };
  return { ...built, server, redirect, realtime, close };
}
