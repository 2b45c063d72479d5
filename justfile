# Tasks for people (`cargo install just`); CI runs .ci/run, which these mirror.

pg_url := env_var_or_default("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")

# Serve on the embedded default (SQLite + local folders under ./data)
run:
    cargo run --release

# The test suite (SQLite, memory, local files)
test:
    cargo test --workspace

# The same suites, also on PostgreSQL
test-pg:
    TEST_POSTGRES_URL={{pg_url}} cargo test --workspace

# Everything CI checks: fmt, clippy -D warnings, dependency guard, tests on SQLite and PostgreSQL
ci:
    bash .ci/run

# The deployment files (compose, Kubernetes, Dockerfile) and README's configuration reference, as CI checks them
deploy-check:
    bash .ci/deploy-check

# Write README's configuration reference again from config/default.toml
config-reference:
    python3 scripts/config-reference.py --write

# Apply migrations to the configured database (`just migrate status`, `just migrate down`, …)
migrate action="up":
    cargo run --release -- migrate {{action}}

# Sample offers for a first look
seed:
    cargo run --release -- demo seed

# Every performance scenario on SQLite and PostgreSQL, one summary table (`just bench --backend sqlite --duration 5s`)
bench *args:
    bash bench/all.sh {{args}}
