# syntax=docker/dockerfile:1
#
# Lantern in a container: a build stage with the full toolchain, a runtime stage with
# the binary and the shared libraries it links, nothing else.
#
#   docker build -t lantern .
#   docker run -d --name lantern -p 8000:8000 -v lantern-data:/data --env-file .env lantern
#
# Configuration: /etc/lantern/config.toml (config.example.toml by default; mount your
# own over it) plus the environment: DISCORD_BOT_TOKEN, KV_TOKEN_ENCRYPTION_SECRET,
# LANTERN_BASE_GUILD_ID, ... (see config.example.toml). The database lives in the
# /data volume. deploy/README.md and docs/operations.md have the details.

# ---- build ---------------------------------------------------------------------
FROM debian:bookworm AS build

WORKDIR /src
# The packages first, so that a source change does not reinstall them.
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN bash scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*

COPY . .
# RelWithDebInfo (-O2: what scripts/build.sh and CI build, so -Werror meets the same
# warnings), without tests and benchmarks, stripped afterwards. ccache (from
# install-deps.sh) keeps rebuilds fast through BuildKit's cache mount. LANTERN_JOBS
# sets the parallel compilers (--build-arg LANTERN_JOBS=8 on a big builder).
ARG LANTERN_JOBS=2
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake -S . -B build -G Ninja \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DLANTERN_BUILD_TESTS=OFF \
      -DLANTERN_BUILD_BENCH=OFF \
 && cmake --build build -j"${LANTERN_JOBS}" --target lantern \
 && strip --strip-unneeded build/src/app/lantern \
 && install -D -m 0755 build/src/app/lantern /out/usr/local/bin/lantern \
 && install -D -m 0644 config.example.toml /out/etc/lantern/config.toml

# ---- runtime -------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

# Exactly the shared libraries `ldd lantern` lists (libstdc++6, libgcc-s1 and libc6
# are already in the base image), plus the CA bundle for TLS to Discord.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates \
      libboost-json1.81.0 \
      libboost-url1.81.0 \
      libfmt9 \
      libspdlog1.10 \
      libsqlite3-0 \
      libssl3 \
      libtomlplusplus3 \
      zlib1g \
 && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged uid/gid, so that the owner of a bind-mounted /data is
# predictable (chown 10001:10001 on the host).
RUN groupadd --system --gid 10001 lantern \
 && useradd --system --uid 10001 --gid lantern --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin lantern \
 && install -d -m 0700 -o lantern -g lantern /data

COPY --from=build /out/ /

# The database must live in the volume, whatever database.path says. (server.port
# and server.bind stay with the config file: 8000 on 0.0.0.0 by default.)
ENV LANTERN_DATABASE=/data/lantern.db
VOLUME ["/data"]
WORKDIR /data
USER lantern:lantern
EXPOSE 8000

# SIGTERM starts the graceful shutdown (sockets get DISCONNECT, the gateway session
# is saved for a resume); give it time: docker stop -t 30, or stop_grace_period.
STOPSIGNAL SIGTERM

# slim has neither curl nor wget; bash's /dev/tcp speaks enough HTTP/1.0 for /healthz.
# The port comes from LANTERN_PORT, so keep that variable and server.port in step.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${LANTERN_PORT:-8000} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["lantern"]
CMD ["serve", "--config", "/etc/lantern/config.toml"]
