# The Sluice image: `docker build -t sluice .`, then `docker run sluice scheduler …` or
# `docker run sluice executor` (the entrypoint is the `sluice` CLI; `docker run sluice --help`).
# It also carries the bundle the Mesos fetcher puts into each executor's sandbox (see below).

ARG NODE_IMAGE=node:20-bookworm-slim

# Compiles the TypeScript into dist/ (tsconfig.build.json: bin, shared, executor, scheduler, examples, and
# dev/mini-mesos for `sluice mini-mesos`).
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Every native dependency ships prebuilt binaries (package.json's allowScripts lists none as
# needed), so no install script runs, here or in the production install below.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bin/ bin/
COPY shared/ shared/
COPY executor/ executor/
COPY scheduler/ scheduler/
COPY examples/ examples/
COPY dev/mini-mesos/ dev/mini-mesos/
RUN npm run build

# The runtime dependencies only. rocksdb-native carries prebuilt engines for a dozen platforms
# (about 160 MB); only the Linux ones can ever load here.
FROM ${NODE_IMAGE} AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/patch-kafkajs.mjs scripts/
# The one install step Sluice needs (what package.json's postinstall does): kafkajs's produce grouping made linear.
RUN npm ci --omit=dev --ignore-scripts \
 && node scripts/patch-kafkajs.mjs \
 && find node_modules/rocksdb-native/prebuilds -mindepth 1 -maxdepth 1 ! -name 'linux-*' -exec rm -rf {} + \
 && npm cache clean --force

# /app as both the image and the executor bundle lay it out: dist/ and node_modules/ side by side.
# The examples' job configs and TypeScript modules sit beside their compiled code, so
# `dist/examples/word-count/job.yaml` runs as it does in the repository: its ./word-count.ts is
# loaded through tsx (a runtime dependency) and imports the compiled dist/shared/api.
FROM ${NODE_IMAGE} AS app
RUN groupadd --system sluice && useradd --system --gid sluice --home-dir /app --shell /usr/sbin/nologin sluice
WORKDIR /app
COPY --from=production-deps /app/node_modules node_modules/
COPY --from=build /src/dist dist/
COPY package.json ./
COPY examples/ dist/examples/
# An example run in the container writes its stores into the config's state-dir, ./.sluice-state
# beside the job.yaml, as the unprivileged user.
RUN chown -R sluice:sluice dist/examples

# What a Mesos agent fetches and extracts into each executor's sandbox, where the scheduler's
# default executor command `node dist/bin/sluice.js executor` runs it. Serve it where the agents
# can fetch it and pass that URI as the scheduler's --bundle-uri.
FROM app AS bundle
RUN tar -czf /sluice-bundle.tar.gz dist node_modules package.json

FROM app AS runtime
# rocksdb-native's prebuilt engine links libatomic, which the slim image lacks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libatomic1 \
 && rm -rf /var/lib/apt/lists/* \
 && chmod +x dist/bin/sluice.js \
 && ln -s /app/dist/bin/sluice.js /usr/local/bin/sluice
COPY --from=bundle /sluice-bundle.tar.gz /opt/sluice/bundle/sluice-bundle.tar.gz
ENV NODE_ENV=production
USER sluice
# The scheduler's HTTP API (/health, /api/v1/job, /metrics, the dashboard) when no --port or $PORT0.
EXPOSE 8080
ENTRYPOINT ["node", "dist/bin/sluice.js"]
CMD ["--help"]
