# lianbao 联保 as a container image. `docker compose up -d` builds and starts it (README, "Going live").
#
# Node 24 is a maintained LTS release (Node 20 left maintenance in April 2026); the code also runs on
# 20.12 and later. Build with another release with: docker build --build-arg NODE_VERSION=22 .
ARG NODE_VERSION=24

# ── Build: install every dependency, compile better-sqlite3 and the TypeScript, drop what only building needs.
FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 compiles its native module when no prebuilt binary fits the image (or none can
# be downloaded); the image's own Node headers spare node-gyp a download.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
WORKDIR /app
# Dependencies first, so that a change to the code does not compile better-sqlite3 again.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
# The rest of the project (.dockerignore leaves out tests, data, any .env and any roster but the
# example: compose.yaml mounts the real one at /config/roster.yaml), compiled once here.
COPY . .
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ── Run: the compiled server, its production dependencies and the files it reads (templates, migrations, pages).
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_PATH=/data/lianbao.db
WORKDIR /app
COPY --from=build /app /app
# `lianbao <verb>` inside the container: docker compose exec lianbao lianbao doctor
RUN ln -s /app/bin/lianbao.js /usr/local/bin/lianbao \
 && mkdir -p /data \
 && chown node:node /data
# Everything lianbao writes lives beside the database in /data (its inbox, the nightly backups);
# the image's `node` user (uid 1000) owns it and runs the server.
VOLUME ["/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "deploy/healthcheck.js"]
# SIGTERM (docker stop) lets the server finish callbacks in flight, the stored messages and the
# current send: give it 30 s (compose.yaml's stop_grace_period, docker stop -t 30).
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=4", "--single-threaded-gc", "dist/src/server.js"]
