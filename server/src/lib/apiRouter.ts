import express, { type Request, type RequestHandler, type Response } from 'express';
import { z, type ZodType } from 'zod';
import type { FieldIssue, Page, Role } from '@tular/shared';
import { AuthenticationError, AuthorizationError, ValidationError } from './errors';
import type { AuthUser } from './authUser';

export type Access = 'public' | readonly Role[];
type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

export interface HandlerContext<B, Q, P, A extends Access> {
  req: Request;
  res: Response;
  body: B;
  query: Q;
  params: P;
  user: A extends 'public' ? AuthUser | null : AuthUser;
}

/** A list answer: `{ data, page: { next } }`. */
export class ListResult<T> {
  constructor(
    readonly data: T[],
    readonly page: Page,
  ) {}
}

export interface RouteSpec<B extends ZodType = ZodType, Q extends ZodType = ZodType, P extends ZodType = ZodType, A extends Access = Access> {
  method: Method;
  path: string;
  summary: string;
  tags?: string[];
  /** Deny by default: a route names the roles that may call it, or says it is public. */
  access: A;
  body?: B;
  query?: Q;
  params?: P;
  response?: ZodType;
  status?: number;
  before?: RequestHandler[];
  /** Returns the `data` of the answer; `undefined` means the handler wrote the response itself. */
  handler: (ctx: HandlerContext<z.output<B>, z.output<Q>, z.output<P>, A>) => Promise<unknown> | unknown;
}

export function zodIssues(error: z.ZodError, prefix: string): FieldIssue[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return {
      path: keys.length ? keys.map((k) => (path ? `${path}.${k}` : k)).join(', ') : path,
      message: issue.code === 'unrecognized_keys' ? `unknown field${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}` : issue.message,
      code: issue.code,
      ...issueLimits(issue),
    };
  });
}

/** The limits behind an issue, so a client can say "at most 90" in its own language, not just "too big". */
function issueLimits(issue: z.core.$ZodIssue): Pick<FieldIssue, 'minimum' | 'maximum' | 'origin' | 'format' | 'expected'> {
  const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'bigint' ? Number(v) : undefined);
  switch (issue.code) {
    case 'too_small':
      return { minimum: finite(issue.minimum), origin: issue.origin };
    case 'too_big':
      return { maximum: finite(issue.maximum), origin: issue.origin };
    case 'invalid_format':
      return { format: issue.format };
    case 'invalid_type':
      return { expected: issue.expected };
    default:
      return {};
  }
}

export function parseOrThrow<S extends ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error, prefix));
  return parsed.data;
}

const EmptyObject = z.strictObject({});

/**
 * The API's route table. Every route declares access, input schemas and a summary, so the same
 * table drives Express, the OpenAPI document and the authorization-matrix test.
 */
export class ApiRouter {
  readonly routes: RouteSpec[] = [];
  readonly router = express.Router();

  constructor(
    readonly prefix: string,
    private readonly authenticate: (req: Request) => AuthUser | null,
  ) {}

  add<B extends ZodType = typeof EmptyObject, Q extends ZodType = typeof EmptyObject, P extends ZodType = ZodType, A extends Access = Access>(
    spec: RouteSpec<B, Q, P, A>,
  ): void {
    if (!spec.access || (spec.access !== 'public' && spec.access.length === 0)) {
      throw new Error(`route ${spec.method.toUpperCase()} ${spec.path} must declare access`);
    }
    this.routes.push(spec as unknown as RouteSpec);
    const run: RequestHandler = async (req, res, next) => {
      try {
        let user: AuthUser | null;
        try {
          user = this.authenticate(req);
        } catch (err) {
          // A stale token must not stop a buyer from checking out on a public route.
          if (spec.access !== 'public') throw err;
          user = null;
        }
        if (spec.access !== 'public') {
          if (!user) throw new AuthenticationError('TOKEN_MISSING', 'Sign in first: send Authorization: Bearer <accessToken>');
          if (!spec.access.includes(user.role)) throw new AuthorizationError(`Only ${spec.access.join(' or ')} accounts can do this`);
        }
        const bodyGiven = req.body !== undefined && !(typeof req.body === 'object' && req.body !== null && Object.keys(req.body).length === 0);
        if (!spec.body && bodyGiven) {
          throw new ValidationError([{ path: 'body', message: 'this endpoint takes no body' }]);
        }
        const body = parseOrThrow(spec.body ?? EmptyObject, req.body ?? {}, 'body');
        const query = parseOrThrow(spec.query ?? EmptyObject, { ...req.query }, 'query');
        const params = spec.params ? parseOrThrow(spec.params, req.params, 'params') : req.params;
        const result = await spec.handler({ req, res, body, query, params, user } as HandlerContext<
          z.output<B>,
          z.output<Q>,
          z.output<P>,
          A
        >);
        if (result === undefined || res.headersSent) return;
        const status = spec.status ?? 200;
        if (result instanceof ListResult) res.status(status).json({ data: result.data, page: result.page });
        else res.status(status).json({ data: result });
      } catch (err) {
        next(err);
      }
    };
    this.router[spec.method](spec.path, ...(spec.before ?? []), run);
  }
}
