# Tular: one process serves the API, the redirect, socket.io and the built client.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY server/package.json server/
COPY client/package.json client/
COPY tests/package.json tests/
COPY bench/package.json bench/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=build /app /app
RUN npm prune --omit=dev --workspaces --include-workspace-root || true \
 && mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD node -e "fetch('http://127.0.0.1:3000/readyz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# Node itself is PID 1 (no npm or shell in between), so `docker stop`'s SIGTERM reaches the server's
# graceful shutdown (drain, flush clicks and rollups) instead of killing a wrapper; same as `npm start`.
CMD ["node", "--max-semi-space-size=32", "--import", "tsx", "server/src/index.ts"]
