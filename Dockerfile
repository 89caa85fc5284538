# invoicer: the MCP server in a slim image. Multi-stage: the release binary is built on Debian
# and copied alone into distroless (glibc + libgcc, no shell, no package manager). No TeX and
# no system fonts: fonts and templates are embedded in the binary.
#
#   docker build -t invoicer .
#   docker run -d -p 8080:8080 -v invoicer-data:/data -e INVOICER_TOKEN=$(openssl rand -hex 32) invoicer
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
COPY templates templates
COPY fonts fonts
COPY benches benches
COPY tests tests
RUN cargo build --profile dist --locked --bin invoicer \
    && mkdir /data

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/dist/invoicer /usr/local/bin/invoicer
# The volume's mount point, owned by the non-root user (uid 65532).
COPY --from=build --chown=65532:65532 /data /data
USER 65532:65532
WORKDIR /data
VOLUME ["/data"]
ENV INVOICER_DB=/data/invoicer.db \
    MCP_PORT=8080 \
    INVOICER_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/invoicer", "health"]
ENTRYPOINT ["/usr/local/bin/invoicer"]
# The token comes from INVOICER_TOKEN or a file named by INVOICER_TOKEN_FILE (a Docker secret).
CMD ["serve", "--host", "0.0.0.0"]
