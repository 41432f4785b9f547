import type { IncomingMessage } from 'node:http';

/** The exact bytes of a JSON body, kept for signature checks (the conversion API's HMAC is over the raw body). */
export function captureRawBody(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = buf;
}

export function rawBodyOf(req: IncomingMessage): Buffer | undefined {
  return (req as IncomingMessage & { rawBody?: Buffer }).rawBody;
}
