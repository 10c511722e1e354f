# hookport image: build the single executable as CI does (`npm ci`, then `npm run build`), then ship
# only that file on a small glibc base (the Bun-compiled binary links against glibc, so not Alpine).
# One build argument per base image, defaulting to the public names; where no registry can be reached,
# test/container/run.sh makes both from Debian packages and passes them here.
ARG BUILD_BASE=node:22-bookworm-slim
ARG RUNTIME_BASE=debian:bookworm-slim

FROM ${BUILD_BASE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# npm ci runs the postinstall that patches postgres.js (scripts/patch-postgres.mjs), so it comes first.
COPY scripts/patch-postgres.mjs scripts/
# Only the runtime dependencies: the build needs bun (one of them), not the test tools (Deno, Chromium, tsc).
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${RUNTIME_BASE}
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin hookport \
 && mkdir -p /data && chown hookport:hookport /data
COPY --from=build /src/dist/hookport /app/hookport
USER hookport
WORKDIR /app
ENV DATA_DIR=/data PORT=3000 HOST=0.0.0.0
VOLUME /data
EXPOSE 3000
# The slim base has no curl: bash's /dev/tcp asks /healthz and expects a 200 status line.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-3000} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/app/hookport"]
CMD ["serve"]
