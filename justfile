# Developer entry points; CI runs `just ci`'s steps through .ci/run.

# List the recipes.
default:
    @just --list

# Reproduce the article claims and print the verdict table.
reproduce *ARGS:
    cargo run --release -- reproduce {{ARGS}}

# Run the tests with the default Go (set GOMEMLAB_GO=go1.21.13 for another).
test:
    cargo test

# Build every fixture with the default Go, so tests start warm.
fixtures:
    cargo run --release -- fixtures --build

# Fetch official Go releases into gomemlab's cache (e.g. just toolchain go1.21.13, just toolchain all).
toolchain +VERSIONS:
    cargo run --release -- toolchains --fetch {{VERSIONS}}

# List the installed Go toolchains and where they are.
toolchains:
    cargo run --release -- toolchains

# The fast tier against psrecord and mprof on the spikes fixture (installs them in a venv).
bench *ARGS:
    scripts/bench-samplers {{ARGS}}

# Review changed snapshots, one by one.
snap-review:
    cargo insta review

# Lints: Rust, Go and the GitHub workflow.
lint:
    cargo fmt --all -- --check
    cargo clippy --all-targets -- -D warnings
    test -z "$(gofmt -l go-fixtures)"
    cd go-fixtures && go vet ./... && go vet -tags gomemlab_heapprofile ./...
    cd go-fixtures/probe && go vet ./... && go vet -tags gomemlab_heapprofile ./...
    go run github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

# Format Rust and Go sources.
fmt:
    cargo fmt --all
    gofmt -w go-fixtures

# What CI runs.
ci: lint
    bash .ci/run

# Fuzz the experiment-file loader and the check parser (nightly, cargo-fuzz; default 10 minutes).
fuzz SECONDS="600":
    cd fuzz && cargo +nightly fuzz run experiment corpus/experiment ../experiments -- -max_total_time={{SECONDS}} -max_len=8192
