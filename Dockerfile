# syntax=docker/dockerfile:1
# The controller image: `node dist/main.js` on a distroless Node 24 base (no shell, no package
# manager), as a non-root user, built from this tree. Build and push (docs/release.md):
#   docker buildx build --platform linux/amd64,linux/arm64 \
#     -t REGISTRY/multiregion-controller:0.1.0 --push .
# No Docker engine runs on the dev and CI machines: test/unit/packaging-dockerfile.test.ts checks
# this file statically.
#
# Both bases are pinned by digest (a tag can be moved to other content, a digest cannot); the tag
# beside it is for people. To move to a newer build of the same tag, look the digests up, e.g.
#   crane digest gcr.io/distroless/nodejs24-debian12:nonroot
#   crane digest node:24-bookworm-slim
# (crane: github.com/google/go-containerregistry/cmd/crane) and replace them here. Both are
# Debian 12 (bookworm) based.
ARG BUILD_IMAGE=node:24-bookworm-slim@sha256:0e0ff40c39bc087845bfb27465a0df4ea419520094bc35842ff83dd8cbe6f9b6
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot@sha256:14d42e2511532589a7c7e01a753667a74fcc96266e137e8125006b87b0c32d0a

# The build stage runs on the builder's own platform: what it hands on (dist/ and the production
# node_modules) is plain JavaScript, the same for every target (no production dependency has a
# native part or an install script; packaging-dockerfile.test.ts checks the lockfile), so a
# multi-platform build compiles once and emulates nothing. TypeScript 7's compiler is a native
# binary npm picks for this platform; it is a dev dependency and never reaches the runtime stage.
FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS build
WORKDIR /app
# Dependencies first, so a source-only change reuses this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY build ./build
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# jemalloc, the allocator the runtime stage preloads (LD_PRELOAD below): Debian's package for the
# target's architecture, installed through Debian multiarch on the builder's own platform (nothing
# emulated; for the builder's own architecture --add-architecture does nothing), pinned to
# bookworm's version (the runtime base is bookworm too), copied with its copyright file. Debian
# serves only a suite's current revision: when bookworm ships a newer one, this install fails and
# the pin moves to it (`apt-cache policy libjemalloc2` in the build image), as a moved digest does.
FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS allocator
ARG TARGETARCH
RUN dpkg --add-architecture "${TARGETARCH}" \
 && apt-get update \
 && apt-get install -y --no-install-recommends "libjemalloc2:${TARGETARCH}=5.3.0-1" \
 && mkdir -p /out \
 && cp "$(dpkg -L "libjemalloc2:${TARGETARCH}" | grep '/libjemalloc\.so\.2$')" /out/libjemalloc.so.2 \
 && cp /usr/share/doc/libjemalloc2/copyright /out/libjemalloc.copyright

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
# HOME=/tmp: the root filesystem is read-only in the pod and /tmp is an emptyDir,
# so anything that wants a home directory (the AWS SDK's ~/.aws lookup) finds one.
# NODE_OPTIONS (measured in docs/performance.md, "Memory"):
# - a young generation capped at 2 MiB per semi-space: V8 otherwise grows it to tens of MiB
#   under the allocation bursts of list/watch/status traffic and keeps it (~50-100 MiB of RSS);
# - source maps for our own code only (the stack traces of dist/main.js, a bundle, point at
#   src/): the preload turns them on before anything loads; build/bundle.ts keeps only src/'s
#   mappings in the bundle's map, and the AWS SDK loaded later from node_modules brings none
#   (--enable-source-maps would read node_modules' own maps too: ~10 MiB of heap, ~30 of RSS).
# LD_PRELOAD + MALLOC_CONF: node allocates with jemalloc instead of glibc's malloc. glibc keeps
# the pages freed inside its heap (it gives back only the top), and a working controller's buffers,
# TLS and parsing leave it fragmented: with glibc (one arena) the controller held 42 MiB in its
# heap at 5,000 objects and ~150 MiB of RSS; with jemalloc, one arena, no thread caches, freed
# pages given back after 1 s, 118-133 MiB at the same reconcile pace (docs/performance.md, Memory).
ENV NODE_ENV=production \
    HOME=/tmp \
    LD_PRELOAD=/app/lib/libjemalloc.so.2 \
    MALLOC_CONF=narenas:1,tcache:false,dirty_decay_ms:1000,muzzy_decay_ms:0,background_thread:false \
    NODE_OPTIONS="--max-semi-space-size=2 --import=data:text/javascript,import{setSourceMapsSupport}from'node:module';setSourceMapsSupport(true)"
LABEL org.opencontainers.image.title="multiregion-controller" \
      org.opencontainers.image.description="Kubernetes controller for multi-region AWS" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=allocator /out/ ./lib/
# 65532 is distroless's "nonroot" user, named by number: runAsNonRoot can only verify a
# numeric USER, and no passwd lookup is needed.
USER 65532:65532
EXPOSE 8080 8081
# Exec form with the base's node binary: node is PID 1 and receives SIGTERM itself (graceful
# shutdown releases the lease). Flags come from the pod's args (the Helm chart sets them).
ENTRYPOINT ["/nodejs/bin/node", "dist/main.js"]
