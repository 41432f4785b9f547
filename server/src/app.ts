import crypto from 'node:crypto';
import express, { type Express } from 'express';
import helmet from 'helmet';
import cors from 'cors';
import cookieParser from 'cookie-parser';
import pinoHttp from 'pino-http';
import type { AppDeps } from './appDeps';
import { ApiRouter } from './lib/apiRouter';
import { bearerToken, verifyAccessToken } from './lib/accessTokens';
import { errorHandler, notFoundHandler } from './middlewares/errorHandler';
import { rejectOperatorKeys } from './middlewares/rejectOperatorKeys';
import { failFastWhenDatabaseDown } from './middlewares/failFastWhenDatabaseDown';
import { registerSystemRoutes } from './routes/system';
import { registerAuthRoutes } from './routes/auth';
import { registerOrderRoutes } from './routes/orders';
import { registerPayoutRoutes } from './routes/payouts';
import { registerConversionRoutes } from './routes/conversions';
import { registerClaimRoutes } from './routes/claims';
import { registerReviewRoutes } from './routes/reviews';
import { captureRawBody } from './lib/rawBody';
import { registerShopRoutes } from './routes/shops';
import { registerProductRoutes } from './routes/products';
import { registerMembershipRoutes } from './routes/memberships';
import { registerFileRoutes } from './routes/files';
import { registerLinkRoutes } from './routes/links';
import { registerStatsRoutes } from './routes/stats';
import { registerReportRoutes } from './routes/reports';
import { registerTeamRoutes } from './routes/team';
import { serveClient } from './lib/clientAssets';

export const API_PREFIX = '/api/v1';

/** Feature route modules, in one list so the router, the OpenAPI document and the matrix test see them all. */
const ROUTE_MODULES: Array<(api: ApiRouter, deps: AppDeps) => void> = [registerAuthRoutes, registerShopRoutes, registerProductRoutes, registerMembershipRoutes, registerFileRoutes, registerLinkRoutes, registerOrderRoutes, registerPayoutRoutes, registerConversionRoutes, registerClaimRoutes, registerReviewRoutes, registerStatsRoutes, registerReportRoutes, registerTeamRoutes];

export interface BuiltApp {
  app: Express;
  api: ApiRouter;
}

/** Builds the Express app without listening: tests drive it with supertest, index.ts and bench listen. */
export function createApp(deps: AppDeps): BuiltApp {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  // Exactly one trusted hop (our proxy): req.ip is the X-Forwarded-For entry it appended, the rightmost,
  // as in the redirect. `true` would take the leftmost, which the client writes itself.
  app.set('trust proxy', config.trustProxy ? 1 : false);
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && /^[\w-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: config.env !== 'test',
      // One compact line per request: no headers (they carry tokens and cookies).
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
    }),
  );
  app.use(helmet({ contentSecurityPolicy: config.env === 'production' ? undefined : false }));
  app.use(
    cors({
      origin: config.clientOrigins.length ? config.clientOrigins : false,
      credentials: true,
    }),
  );
  app.use(cookieParser(config.cookieSecret));
  // The raw bytes are kept for the conversion API's HMAC signature.
  app.use(express.json({ limit: '100kb', strict: true, verify: captureRawBody }));
  app.use(rejectOperatorKeys);

  const api = new ApiRouter(API_PREFIX, (req) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) return null;
    const { id, role } = verifyAccessToken(token, config.jwtSecret);
    return { id, role };
  });
  for (const register of ROUTE_MODULES) register(api, deps);

  registerSystemRoutes(app, api, deps);
  app.use(API_PREFIX, failFastWhenDatabaseDown, api.router);
  // The built web client (when present): hashed assets, index.html and the SPA fallback.
  serveClient(app);
  app.use(notFoundHandler);
  app.use(errorHandler({ exposeInternal: config.env !== 'production' }));
  return { app, api };
}
