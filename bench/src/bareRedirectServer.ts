import fs from 'node:fs';
import http from 'node:http';

/**
 * The redirect benchmark's baseline: the least a Node server can do for `GET /r/:code` — a Map
 * lookup and a 302 — with the same codes as the Tular run. No framework, no database, no logging.
 */
const codes = JSON.parse(fs.readFileSync(process.env.CODES_FILE ?? '', 'utf8')) as string[];
const destinations = new Map(codes.map((code) => [code, `http://127.0.0.1/p/${code}`]));

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    return;
  }
  const location = url.startsWith('/r/') ? destinations.get(url.slice(3)) : undefined;
  if (location) res.writeHead(302, { Location: location, 'Cache-Control': 'no-store' }).end();
  else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
});
server.keepAliveTimeout = 5000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
