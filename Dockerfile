# invoicer: the MCP server in a slim image. Multi-stage: the binary is built on Debian and
# copied alone into distroless base-nossl (glibc, no OpenSSL, no shell, no package manager),
# with the one library it needs besides glibc, libgcc_s (unwinding). No TeX and no system fonts:
# fonts and templates are embedded in the binary.
#
#   docker build -t invoicer .
#   docker run -d -p 127.0.0.1:8080:8080 -v invoicer-data:/data -e INVOICER_TOKEN=$(openssl rand -hex 32) invoicer
#
# Reproducible builds: pin both base images by digest with the build arguments, e.g.
#   docker build --build-arg RUST_IMAGE=rust:1-bookworm@sha256:<digest> \
#     --build-arg RUNTIME_IMAGE=gcr.io/distroless/base-nossl-debian12:nonroot@sha256:<digest> .
# (`docker buildx imagetools inspect IMAGE` shows the digest; tests/docker.sh prints the ids
# of the images it built on.)
ARG RUST_IMAGE=rust:1-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/base-nossl-debian12:nonroot

FROM ${RUST_IMAGE} AS build
WORKDIR /src
# Dependencies first, in a layer of their own: a stand-in crate with the real manifest and lock
# file, so that editing the sources rebuilds only invoicer itself, not its ~400 dependencies.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches tests \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs tests/tests.rs \
    && for bench in engine render mcp; do echo 'fn main() {}' > benches/$bench.rs; done \
    && cargo build --profile dist --locked --bin invoicer \
    && rm -rf src benches tests target/dist/invoicer target/dist/deps/invoicer-* \
        target/dist/deps/libinvoicer-* target/dist/.fingerprint/invoicer-*
COPY src src
COPY migrations migrations
COPY templates templates
COPY fonts fonts
COPY benches benches
COPY tests tests
# COPY keeps the files' own times, which may be older than the stand-in's build.
RUN touch src/main.rs src/lib.rs \
    && cargo build --profile dist --locked --bin invoicer \
    && mkdir -p /runtime/usr/local/bin /data \
    && cp target/dist/invoicer /runtime/usr/local/bin/ \
    && libgcc="$(gcc -print-file-name=libgcc_s.so.1)" \
    && libgcc="$(readlink -f "$libgcc")" \
    && mkdir -p "/runtime$(dirname "$libgcc")" \
    && cp "$libgcc" "/runtime$(dirname "$libgcc")/libgcc_s.so.1"

FROM ${RUNTIME_IMAGE}
# The MCP registry checks this label against the name in server.json.
LABEL io.modelcontextprotocol.server.name="io.github.invoicer/invoicer"
COPY --from=build /runtime/ /
# The volume's mount point, owned by the non-root user (uid 65532). A bind mount must be
# owned (or at least writable) by uid 65532 too: `chown -R 65532:65532 DIR`.
COPY --from=build --chown=65532:65532 /data /data
USER 65532:65532
WORKDIR /data
VOLUME ["/data"]
ENV INVOICER_DB=/data/invoicer.db \
    MCP_PORT=8080 \
    INVOICER_LOG_FORMAT=json
EXPOSE 8080
# `invoicer health` finds the port the server listens on (it writes it beside the database),
# so `serve --port 9000` stays healthy too.
# Docker runs the first check one interval after the start: 10 s keeps start-to-healthy short
# and costs one short process every 10 s.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/invoicer", "health"]
ENTRYPOINT ["/usr/local/bin/invoicer"]
# Listening on all interfaces needs a token: INVOICER_TOKEN, or a file named by
# INVOICER_TOKEN_FILE (a Docker secret, readable by uid 65532). Without one the server refuses
# to start, unless --allow-unauthenticated says a proxy in front authenticates.
CMD ["serve", "--host", "0.0.0.0"]
