import { pipeline } from 'node:stream/promises';
import { IdParamsSchema } from '@tular/shared';
import type { ApiRouter } from '../../lib/apiRouter';
import { NotFoundError } from '../../lib/errors';
import { findPhoto } from '../../lib/photoStore';

export function registerFileRoutes(api: ApiRouter): void {
  api.add({
    method: 'get',
    path: '/files/:id',
    summary: 'A stored photo (logo, product, creative kit); immutable, cached for a year',
    tags: ['files'],
    access: 'public',
    params: IdParamsSchema,
    handler: async ({ req, res, params }) => {
      const photo = await findPhoto(params.id);
      if (!photo) throw new NotFoundError('File', 'FILE_NOT_FOUND');
      // A file id never gets new bytes (a new upload is a new id), so the id is a strong ETag.
      const etag = `"${photo.id}"`;
      res.setHeader('ETag', etag);
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      res.setHeader('Last-Modified', photo.uploadDate.toUTCString());
      // Product photos are meant to be embedded and shared from other origins.
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
      const inm = req.headers['if-none-match'];
      if (inm && inm.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
        res.status(304).end();
        return undefined;
      }
      res.status(200);
      res.setHeader('Content-Type', photo.contentType);
      res.setHeader('Content-Length', String(photo.length));
      if (req.method === 'HEAD') {
        res.end();
        return undefined;
      }
      try {
        await pipeline(photo.open(), res);
      } catch (err) {
        // A visitor who navigates away mid-download is not a server error.
        if (!res.destroyed && !res.writableEnded) throw err;
      }
      return undefined;
    },
  });
}
