# hookport image: build the single executable exactly as CI does (`npm ci && npm run build`), then ship
# only that file on a small glibc base (the Bun-compiled binary links against glibc, so not Alpine).

FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM debian:bookworm-slim
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
