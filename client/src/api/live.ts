import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { LiveClientEvents, LiveServerEvents } from '@tular/shared';
import { onLogout } from './auth';
import { refreshSession } from './client';
import { sessionStore } from './session';

export type LiveSocket = Socket<LiveServerEvents, LiveClientEvents>;
export type LiveHandlers = Partial<LiveServerEvents>;

/**
 * One socket for the signed-in user. The token is read on every (re)connect, a fresh token is
 * pushed with `reauth` when the session refreshes, and an expired handshake refreshes once and retries.
 */
export function connectLive(shops?: string[]): LiveSocket {
  const socket: LiveSocket = io({
    path: '/socket.io',
    transports: ['websocket', 'polling'],
    auth: (cb) => cb({ token: sessionStore.get()?.accessToken ?? '', ...(shops ? { shops } : {}) }),
  });
  let lastToken = sessionStore.get()?.accessToken;
  const stopWatching = sessionStore.subscribe((session) => {
    if (!session) {
      socket.disconnect();
      return;
    }
    if (session.accessToken !== lastToken) {
      lastToken = session.accessToken;
      if (socket.connected) socket.emit('reauth', session.accessToken);
    }
  });
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    if (err.data?.code === 'TOKEN_EXPIRED') {
      void refreshSession().then((ok) => {
        if (ok) socket.connect();
      });
    }
  });
  socket.on('disconnect', (reason) => {
    // The server drops a socket whose token expired; come back with a fresh one.
    if (reason === 'io server disconnect' && sessionStore.get()) {
      void refreshSession().then((ok) => {
        if (ok) socket.connect();
      });
    }
  });
  const stopLogout = onLogout(() => socket.disconnect());
  const originalDisconnect = socket.disconnect.bind(socket);
  socket.disconnect = () => {
    stopWatching();
    stopLogout();
    return originalDisconnect();
  };
  return socket;
}

/** Subscribes a component to live events for the given shops; returns whether the socket is connected. */
export function useLive(shops: string[] | undefined, handlers: LiveHandlers, enabled = true): boolean {
  const [connected, setConnected] = useState(false);
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;
  const key = shops?.join(',') ?? '';
  useEffect(() => {
    if (!enabled) return undefined;
    const socket = connectLive(key ? key.split(',') : undefined);
    socket.on('connect', () => setConnected(true));
    socket.on('disconnect', () => setConnected(false));
    const names = ['click', 'order', 'commission', 'payout', 'membership', 'stats'] as const;
    // One generic listener per event name; the typed handler map decides what each payload is.
    const untyped = socket as unknown as Socket;
    for (const name of names) {
      untyped.on(name, (payload: unknown) => {
        const handler = handlersRef.current[name] as ((p: unknown) => void) | undefined;
        handler?.(payload);
      });
    }
    return () => {
      socket.disconnect();
      setConnected(false);
    };
  }, [key, enabled]);
  return connected;
}
