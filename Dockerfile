# syntax=docker/dockerfile:1
# The controller image: `node dist/main.js`, built from this tree.
#   docker build -t multiregion-controller:0.1.0 .
# Both stages use the same glibc base: TypeScript 7's compiler is a native binary
# chosen by npm per platform, and the build and runtime stages must agree on it.
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so a source-only change reuses this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
# HOME=/tmp: the root filesystem is read-only in the pod and /tmp is an emptyDir,
# so anything that wants a home directory (the AWS SDK's ~/.aws lookup) finds one.
# NODE_OPTIONS (measured in docs/performance.md, "Memory"):
# - a young generation capped at 2 MiB per semi-space: V8 otherwise grows it to tens of MiB
#   under the allocation bursts of list/watch/status traffic and keeps it (~50-100 MiB of RSS);
# - source maps for our own code only (the stack traces of dist/ point at src/): the preload
#   turns them on before anything loads, without node_modules' maps, which --enable-source-maps
#   would read too (~10 MiB of heap, ~30 MiB of RSS).
ENV NODE_ENV=production \
    HOME=/tmp \
    NODE_OPTIONS="--max-semi-space-size=2 --import=data:text/javascript,import{setSourceMapsSupport}from'node:module';setSourceMapsSupport(true)"
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# 65532 is the conventional "nonroot" id: no passwd entry is needed, and
# runAsNonRoot can verify a numeric USER.
USER 65532:65532
EXPOSE 8080 8081
# Exec form: node is PID 1 and receives SIGTERM itself (graceful shutdown releases the lease).
ENTRYPOINT ["node", "dist/main.js"]
