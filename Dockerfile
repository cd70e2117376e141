# An rbm bot in a small image: compiled in the Rust image, run from a
# distroless one (no shell, no package manager) as a non-root user.
#
#   docker build -t echo-bot .                          # examples/echo.rs
#   docker build --build-arg BOT=pizza -t pizza-bot .   # another example
#   docker run --rm -p 8080:8080 -e RBM_CLIENT_TOKEN=my-client-token \
#     -v rbm-data:/data echo-bot
#
# Your own bot, a binary of your own crate: see docs/deploy.md ("The image").
# Needs BuildKit (Docker's default builder since 23.0) for the cache mounts.

# The workspace's rust-version: the oldest Rust the lock file's crates
# build with (tests/dockerfile.rs checks that the two agree).
ARG RUST_VERSION=1.88

FROM rust:${RUST_VERSION}-bookworm AS builder
# What to build: BIN_KIND=example names a file of examples/, BIN_KIND=bin a
# binary target of a package; CRATE_DIR is where cargo runs in the context.
ARG BOT=echo
ARG BIN_KIND=example
ARG CRATE_DIR=.
WORKDIR /src
COPY . .
# The registry and the build directory are cache mounts, kept between
# builds: a change to the bot recompiles the bot, not its 300 dependencies.
# The binary leaves the mount in the same step, or the next stage loses it.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/cargo-target,sharing=locked \
    set -eu; \
    case "$BIN_KIND" in \
      example) built="/cargo-target/release/examples/$BOT" ;; \
      bin) built="/cargo-target/release/$BOT" ;; \
      *) echo "BIN_KIND is example or bin, not $BIN_KIND" >&2; exit 1 ;; \
    esac; \
    cd "$CRATE_DIR"; \
    CARGO_TARGET_DIR=/cargo-target cargo build --release --locked "--$BIN_KIND" "$BOT"; \
    mkdir -p /out/data; \
    cp "$built" /out/rbm-bot

# glibc and libgcc for the binary, CA certificates for Google's HTTPS API
# (rustls checks servers against the system's roots), and user 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=builder /out/rbm-bot /usr/local/bin/rbm-bot
# The SQLite inbox's directory, writable by the bot alone. A named volume
# mounted here starts as a copy of it, owner included.
COPY --from=builder --chown=65532:65532 /out/data /data
VOLUME ["/data"]
ENV PORT=8080 BIND=0.0.0.0 RBM_STORE=sqlite:///data/rbm.sqlite3
EXPOSE 8080
USER 65532:65532
# The server stops accepting, lets requests in flight and running handlers
# finish (up to 30 s each), then exits; what it did not handle stays stored.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/rbm-bot"]
