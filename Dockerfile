# invoicer: multi-stage build, release binary only, no TeX, runs as a non-root user.
# The database lives in the /data volume.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
COPY templates templates
COPY fonts fonts
COPY benches benches
COPY tests tests
RUN cargo build --release --locked --bin invoicer

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /data invoicer \
    && mkdir -p /data && chown invoicer /data
COPY --from=build /src/target/release/invoicer /usr/local/bin/invoicer
USER invoicer
WORKDIR /data
VOLUME ["/data"]
ENV INVOICER_DB=/data/invoicer.db
ENTRYPOINT ["invoicer"]
CMD ["invoice", "list"]
