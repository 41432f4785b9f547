import type http from 'node:http';
import { Server, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { computeStatsMetrics, type LiveClientEvents, type LiveCountsPart, type LiveServerEvents, type LiveStatsEvent } from '@tular/shared';
import type { AppDeps } from '../appDeps';
import type { AuthUser } from '../lib/authUser';
import { verifyAccessToken } from '../lib/accessTokens';
import { AppError } from '../lib/errors';
import { ShopModel } from '../models/Shop';
import { addCounts, emptyCounts, type RollupCounts } from '../models/Rollup';
import { bucketsFor } from '../rollups/buckets';
import type { ClickHappened, CommissionChanged, MembershipChanged, OrderChanged, PayoutChanged, ShopChanged } from '../events/bus';
import { ListAccumulator, RoomCoalescer } from './coalescer';
import { ClickAccumulator, commissionItem, membershipItem, orderItem, payoutItem, resellerRoom, shopRoom } from './liveEvents';
import { WriterRegistry } from '../rollups/writerRegistry';
import { ShopTimezones, TodayTotals } from './todayTotals';

export interface RealtimeOptions {
  /** Coalescing window per room and event type (ms): at most 1000/coalesceMs messages per second. */
  coalesceMs?: number;
  /** How often each active room gets a `stats` snapshot (ms); 0 disables the timer. */
  statsIntervalMs?: number;
  /** Redis pub/sub channel prefix (tests isolate themselves with their own). */
  redisKey?: string;
  /** The writers whose rollup documents the snapshots sum (by default: registered + discovered, see WriterRegistry). */
  writers?: WriterRegistry;
}

interface SocketData {
  user: AuthUser & { exp: number };
  rooms: string[];
  /** Rooms that address the socket itself (not sent in `ready`). */
  extraRooms?: string[];
  expiryTimer?: NodeJS.Timeout;
}

type LiveServer = Server<LiveClientEvents, LiveServerEvents, Record<string, never>, SocketData>;
type LiveSocket = Socket<LiveClientEvents, LiveServerEvents, Record<string, never>, SocketData>;
/** Events leave through a loosely typed emit: the coalescer serves every event name. */
type LooseEmitter = { emit(event: string, payload: unknown): boolean };

export interface Realtime {
  io: LiveServer;
  /** Resolves when the Redis adapter (if any) is connected. */
  ready: Promise<void>;
  /** Sends a `stats` snapshot read anew to every active room on this instance (or those given). */
  publishSnapshots(rooms?: string[]): Promise<void>;
  close(): Promise<void>;
}

const MAX_TIMER_MS = 2_147_000_000;
/** Rooms whose snapshot is sent before yielding to I/O (measured: ~20 ms for 110 rooms × 9 sockets in one go). */
const SNAPSHOT_SLICE = 16;
const yieldToIo = (): Promise<void> => new Promise((r) => setImmediate(r));
/** Every socket of a user; and an owner's sockets that watch all their shops (no `shops` subset asked for). */
const userRoom = (userId: string): string => `user:${userId}`;
const allShopsRoom = (userId: string): string => `user:${userId}:all-shops`;
const isId = (v: unknown): v is string => typeof v === 'string' && /^[a-f0-9]{24}$/i.test(v);

function handshakeError(err: unknown): Error & { data?: unknown } {
  const code = err instanceof AppError ? err.code : 'TOKEN_INVALID';
  const message = err instanceof AppError ? err.message : 'The access token is not valid';
  const e = new Error(message) as Error & { data?: unknown };
  e.data = { code };
  return e;
}

/**
 * socket.io on the HTTP server: the handshake's access token decides the rooms — `shop:<id>` for
 * each shop the owner owns (or the subset asked for), `reseller:<id>` for a reseller — and the
 * socket is dropped when that token expires unless the client sends `reauth` with a fresh one.
 * Domain events from the bus go out coalesced; only a shop change reads (its owner, to join rooms).
 */
export function attachRealtime(server: http.Server, deps: AppDeps, options: RealtimeOptions = {}): Realtime {
  const { config, bus, logger } = deps;
  const io: LiveServer = new Server(server, {
    cors: { origin: config.clientOrigin ? config.clientOrigin.split(',').map((o) => o.trim()) : false, credentials: true },
    serveClient: false,
  });

  let redis: { pub: Redis; sub: Redis } | null = null;
  let ready: Promise<void> = Promise.resolve();
  if (config.redisUrl) {
    const pub = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
    const sub = pub.duplicate();
    redis = { pub, sub };
    for (const client of [pub, sub]) client.on('error', (err) => logger.warn({ err: err.message }, 'redis (socket.io adapter) error'));
    // Installed at once: ioredis queues the adapter's subscriptions until the connection is up.
    io.adapter(createAdapter(pub, sub, { key: options.redisKey ?? 'tular.io' }));
    const connected = (client: Redis): Promise<void> =>
      client.status === 'ready' ? Promise.resolve() : new Promise((resolve, reject) => {
        client.once('ready', () => resolve());
        client.once('end', () => reject(new Error('redis connection ended')));
      });
    ready = Promise.all([connected(pub), connected(sub)]).then(() => undefined);
    ready.catch((err: unknown) => logger.error({ err }, 'socket.io redis adapter could not connect; live events stay on this instance'));
  }

  const timezones = new ShopTimezones();
  const ownRegistry = !options.writers;
  const writers = options.writers ?? new WriterRegistry({ localWriterId: deps.rollups.writerId, logger });
  if (ownRegistry) writers.start();
  const totals = new TodayTotals(timezones, writers);

  io.use((socket, next) => {
    void (async () => {
      const auth = socket.handshake.auth as { token?: unknown; shops?: unknown };
      if (typeof auth.token !== 'string' || auth.token.length === 0) {
        const e = new Error('Send the access token as auth.token') as Error & { data?: unknown };
        e.data = { code: 'TOKEN_MISSING' };
        throw e;
      }
      let user: SocketData['user'];
      try {
        user = verifyAccessToken(auth.token, config.jwtSecret);
      } catch (err) {
        throw handshakeError(err);
      }
      const wanted = Array.isArray(auth.shops) ? auth.shops.filter(isId) : null;
      let rooms: string[] = [];
      if (user.role === 'reseller') rooms = [resellerRoom(user.id)];
      else {
        // A shop the owner opens later joins the sockets in this room (see onShop).
        if (user.role === 'owner' && !wanted) socket.data.extraRooms = [allShopsRoom(user.id)];
        // Owners see their own shops; an admin may watch any shop they name.
        const filter = user.role === 'admin' ? { _id: { $in: wanted ?? [] } } : { ownerId: user.id, ...(wanted ? { _id: { $in: wanted } } : {}) };
        const shops = await ShopModel.find(filter, { timezone: 1 }).lean();
        for (const s of shops) timezones.remember(String(s._id), s.timezone);
        rooms = shops.map((s) => shopRoom(String(s._id)));
      }
      socket.data.user = user;
      socket.data.rooms = rooms;
    })().then(
      () => next(),
      (err: Error & { data?: unknown }) => {
        if (err.data) return next(err);
        // A database hiccup: say so without its internals; the client retries.
        logger.warn({ err }, 'live socket handshake failed');
        const e = new Error('Live stats are unavailable right now; retry shortly') as Error & { data?: unknown };
        e.data = { code: 'SERVICE_UNAVAILABLE' };
        next(e);
      },
    );
  });

  const armExpiry = (socket: LiveSocket): void => {
    if (socket.data.expiryTimer) clearTimeout(socket.data.expiryTimer);
    const ms = Math.min(MAX_TIMER_MS, Math.max(0, socket.data.user.exp * 1000 - Date.now()));
    socket.data.expiryTimer = setTimeout(() => socket.disconnect(true), ms);
    socket.data.expiryTimer.unref();
  };

  io.on('connection', (socket) => {
    void socket.join([...socket.data.rooms, userRoom(socket.data.user.id), ...(socket.data.extraRooms ?? [])]);
    armExpiry(socket);
    socket.emit('ready', { rooms: socket.data.rooms });
    scheduleSnapshot(socket.data.rooms);
    socket.on('reauth', (token, ack) => {
      try {
        const next = verifyAccessToken(String(token), config.jwtSecret);
        if (next.id !== socket.data.user.id) throw new Error('another user');
        socket.data.user = next;
        armExpiry(socket);
        if (typeof ack === 'function') ack({ ok: true });
      } catch (err) {
        if (typeof ack === 'function') ack({ ok: false, error: err instanceof AppError ? err.code : 'TOKEN_INVALID' });
      }
    });
    socket.on('disconnect', () => {
      if (socket.data.expiryTimer) clearTimeout(socket.data.expiryTimer);
    });
  });

  const localWriter = deps.rollups.writerId;
  const partOf = (writer: string, v: number, counts: RollupCounts): LiveCountsPart => ({ writer, v, ...counts });
  // Messages are sent once the synchronous work that caused them is done: an order's counters are
  // added right after its event (salesEvents), and the part below should include them.
  let unsent = 0;
  // Without the Redis adapter this instance's sockets are all there are, so a room with none of them
  // gets nothing: a visit to a shop nobody is watching costs no coalescing and no message (socket.io
  // encodes a broadcast before it looks for recipients: under redirect load, 74–89 µs of server CPU per
  // visit with every room sent to, 51 without the empty ones).
  // Whoever joins later starts from a snapshot. With Redis another instance may be watching: always send.
  const watched = (room: string): boolean => redis !== null || (io.sockets.adapter.rooms.get(room)?.size ?? 0) > 0;
  const coalescer = new RoomCoalescer((room, event, payload) => {
    unsent += 1;
    queueMicrotask(() => {
      unsent -= 1;
      const out: Record<string, unknown> = { room, ...(payload as object), sentAt: new Date().toISOString() };
      if ((event === 'click' || event === 'order') && room.startsWith('shop:')) {
        // This instance's running total of the shop's day, stored or not: the dashboard shows it at once.
        const tally = deps.rollups.latestTally(room.slice(5));
        if (tally) {
          out.day = tally.day;
          out.part = partOf(localWriter, tally.v, tally.counts);
        }
      }
      (io.to(room) as unknown as LooseEmitter).emit(event, out);
    });
  }, options.coalesceMs ?? 250, watched);

  const roomsOf = (shopId: string, resellerId?: string | null): string[] => (resellerId ? [shopRoom(shopId), resellerRoom(resellerId)] : [shopRoom(shopId)]);
  const clickAccumulator = (): ClickAccumulator => new ClickAccumulator();
  // Every visit: no array of rooms, no closure per call.
  const onClick = (c: ClickHappened): void => {
    coalescer.push(shopRoom(c.shopId), 'click', c, clickAccumulator);
    if (c.resellerId) coalescer.push(resellerRoom(c.resellerId), 'click', c, clickAccumulator);
  };
  const onOrder = (o: OrderChanged): void => {
    const item = orderItem(o);
    for (const room of roomsOf(o.shopId, o.resellerId)) coalescer.push(room, 'order', item, () => new ListAccumulator());
  };
  const onCommission = (c: CommissionChanged): void => {
    const item = commissionItem(c);
    for (const room of roomsOf(c.shopId, c.resellerId)) coalescer.push(room, 'commission', item, () => new ListAccumulator());
  };
  const onPayout = (p: PayoutChanged): void => {
    const item = payoutItem(p);
    for (const room of roomsOf(p.shopId, p.resellerId)) coalescer.push(room, 'payout', item, () => new ListAccumulator());
  };
  const onMembership = (m: MembershipChanged): void => {
    const item = membershipItem(m);
    if (m.resellerId) totals.forgetReseller(m.resellerId);
    for (const room of roomsOf(m.shopId, m.resellerId)) coalescer.push(room, 'membership', item, () => new ListAccumulator());
  };
  /**
   * A shop created (or changed) after the handshake: its owner's all-shops sockets join its room, on
   * every instance (with the Redis adapter `socketsJoin` reaches sockets connected elsewhere), so its
   * events reach the dashboard without a reconnect. Joining a room twice is harmless. Resellers need
   * nothing on a membership change: their one room, `reseller:<id>`, already carries every shop.
   */
  const onShop = (s: ShopChanged): void => {
    timezones.forget(s.shopId);
    if (!isId(s.shopId)) return;
    ShopModel.findById(s.shopId, { ownerId: 1, timezone: 1 })
      .lean()
      .then((shop) => {
        if (!shop) return;
        timezones.remember(String(shop._id), shop.timezone);
        io.in(allShopsRoom(String(shop.ownerId))).socketsJoin(shopRoom(String(shop._id)));
      })
      .catch((err: unknown) => logger.warn({ err, shopId: s.shopId }, 'could not join the owner’s sockets to a new shop room'));
  };
  bus.on('click', onClick);
  bus.on('order', onOrder);
  bus.on('commission', onCommission);
  bus.on('payout', onPayout);
  bus.on('membership', onMembership);
  bus.on('shop', onShop);

  const statsIntervalMs = options.statsIntervalMs ?? 5000;
  /**
   * `fresh`: read anew, writer list included (joins, publishSnapshots); otherwise (the tick) a read
   * of the room still in flight is joined.
   */
  const snapshots = async (only: string[] | undefined, reuse: { fresh?: boolean }): Promise<void> => {
    const local = io.of('/').adapter.rooms;
    const rooms = (only ?? [...local.keys()]).filter((r) => (local.get(r)?.size ?? 0) > 0);
    const shopIds = rooms.filter((r) => r.startsWith('shop:')).map((r) => r.slice(5));
    const resellerIds = rooms.filter((r) => r.startsWith('reseller:')).map((r) => r.slice(9));
    if (shopIds.length + resellerIds.length === 0) return;
    const now = new Date();
    // A caller asking for fresh numbers may also have just started a writer elsewhere.
    if (reuse.fresh) writers.invalidate();
    const [shops, resellers] = await Promise.all([totals.stored('shop', shopIds, now, reuse), totals.totals('reseller', resellerIds, now, reuse)]);
    const jakartaToday = bucketsFor(now, 'Asia/Jakarta')[1].period;
    const sentAt = new Date().toISOString();
    const zones = await timezones.resolve(shopIds);
    const send = (room: string, day: string, counts = emptyCounts(), parts?: LiveCountsPart[]): void => {
      const payload: LiveStatsEvent = { room, day, ...computeStatsMetrics(counts), ...(parts ? { parts } : {}), sentAt };
      // Each instance serves its own sockets; a broadcast would repeat the snapshot per instance.
      io.local.to(room).emit('stats', payload);
    };
    for (let i = 0; i < shopIds.length; i += 1) {
      // Each room's send writes to every socket in it: a tick over hundreds of rooms goes out in
      // slices, so the redirects (and the click events) waiting behind it are not held up for long.
      if (i > 0 && i % SNAPSHOT_SLICE === 0) await yieldToIo();
      const id = shopIds[i]!;
      const day = bucketsFor(now, zones.get(id) ?? 'Asia/Jakarta')[1].period;
      // Every writer's stored part, except this instance's own, which is read from memory as it is
      // now (stored or not), so the snapshot never lags what this instance's events already showed.
      const parts = new Map<string, LiveCountsPart>();
      for (const [writer, p] of shops.get(id)?.parts ?? []) parts.set(writer, partOf(writer, p.v, p.counts));
      const tally = deps.rollups.dayTally(id, day);
      if (tally && tally.v >= (parts.get(localWriter)?.v ?? 0)) parts.set(localWriter, partOf(localWriter, tally.v, tally.counts));
      const total = emptyCounts();
      for (const p of parts.values()) addCounts(total, p);
      send(shopRoom(id), day, total, [...parts.values()]);
    }
    for (const id of resellerIds) send(resellerRoom(id), jakartaToday, resellers.get(id));
  };

  const publishSnapshots = (only?: string[]): Promise<void> => snapshots(only, { fresh: true });

  // One tick at a time: while the database is slow a tick is skipped, never queued behind the last.
  let snapshotting = false;
  const runSnapshots = (): void => {
    if (snapshotting) return;
    snapshotting = true;
    totals.prune(4 * statsIntervalMs);
    snapshots(undefined, {})
      .catch((err: unknown) => logger.warn({ err }, 'live stats snapshot failed'))
      .finally(() => {
        snapshotting = false;
      });
  };

  // New sockets get a snapshot soon after joining (joins within 100 ms share one batch), read after
  // the join — writer list included: a dashboard that loaded the stats API's stored figures and then
  // connected must not get an older read (it takes the snapshot's parts as every writer there is).
  // One read per room per batch; on FerretDB each is a few `_id` lookups.
  let pendingRooms = new Set<string>();
  let pendingTimer: NodeJS.Timeout | null = null;
  function scheduleSnapshot(rooms: string[]): void {
    for (const r of rooms) pendingRooms.add(r);
    if (pendingTimer) return;
    pendingTimer = setTimeout(() => {
      pendingTimer = null;
      const batch = [...pendingRooms];
      pendingRooms = new Set();
      snapshots(batch, { fresh: true }).catch((err: unknown) => logger.warn({ err }, 'live stats snapshot failed'));
    }, 100);
    pendingTimer.unref();
  }

  const statsTimer = statsIntervalMs > 0 ? setInterval(() => runSnapshots(), statsIntervalMs) : null;
  statsTimer?.unref();

  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      if (statsTimer) clearInterval(statsTimer);
      if (pendingTimer) clearTimeout(pendingTimer);
      if (ownRegistry) writers.stop();
      bus.off('click', onClick);
      bus.off('order', onOrder);
      bus.off('commission', onCommission);
      bus.off('payout', onPayout);
      bus.off('membership', onMembership);
      bus.off('shop', onShop);
      coalescer.close();
      // Let the last coalesced messages leave (they go out on a microtask) before the sockets close.
      while (unsent > 0) await Promise.resolve();
      io.local.disconnectSockets(true);
      // Not io.close(): that would also close the HTTP server, whose graceful stop server.ts owns.
      io.engine.close();
      await ready.catch(() => undefined);
      if (redis) {
        const adapter = io.of('/').adapter as { close?: () => Promise<void> | void };
        await Promise.resolve(adapter.close?.()).catch(() => undefined);
        await Promise.all([redis.pub.quit().catch(() => undefined), redis.sub.quit().catch(() => undefined)]);
      }
    })();
    return closed;
  };

  return { io, ready, publishSnapshots, close };
}
