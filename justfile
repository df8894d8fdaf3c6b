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

# Install an official Go release under ~/.cache/gomemlab/toolchains (e.g. just toolchain 1.21.13).
toolchain VERSION:
    scripts/install-go {{VERSION}}

# Review changed snapshots, one by one.
snap-review:
    cargo insta review

# Lints: Rust and Go.
lint:
    cargo fmt --all -- --check
    cargo clippy --all-targets -- -D warnings
    test -z "$(gofmt -l go-fixtures)"
    cd go-fixtures && go vet ./... && go vet -tags gomemlab_heapprofile ./...

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
