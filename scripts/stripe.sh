# shellcheck shell=bash
# Sourced by scripts/test: builds stripe-mock (github.com/stripe/stripe-mock,
# from the Go module proxy, cached under ~/.cache/webrana so reruns are
# instant), starts it on a free loopback port, exports
# WEBRANA_TEST_STRIPE_URL for the payment tests, and stops it on exit.
# Source scripts/postgres.sh first (free_port).

STRIPE_MOCK_VERSION=v0.203.0

start_stripe_mock() {
  if [ -n "${WEBRANA_TEST_STRIPE_URL:-}" ]; then
    echo "stripe-mock: using WEBRANA_TEST_STRIPE_URL from the environment" >&2
    return 0
  fi
  local dir="${XDG_CACHE_HOME:-$HOME/.cache}/webrana/stripe-mock-$STRIPE_MOCK_VERSION"
  if [ ! -x "$dir/stripe-mock" ]; then
    echo "stripe-mock: building $STRIPE_MOCK_VERSION" >&2
    mkdir -p "$dir"
    GOBIN="$dir" go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION" || return 1
  fi
  local port attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port $((42111 + (RANDOM % 400)))) || { echo "stripe-mock: no free loopback port" >&2; return 1; }
    STRIPE_MOCK_LOG=$(mktemp /tmp/webrana-stripe-mock.XXXXXX)
    "$dir/stripe-mock" -http-addr "127.0.0.1:$port" -https-addr "127.0.0.1:" >"$STRIPE_MOCK_LOG" 2>&1 &
    STRIPE_MOCK_PID=$!
    local i
    for i in $(seq 1 100); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        export WEBRANA_TEST_STRIPE_URL="http://127.0.0.1:$port"
        echo "stripe-mock $STRIPE_MOCK_VERSION on 127.0.0.1:$port" >&2
        add_exit_trap stop_stripe_mock
        return 0
      fi
      kill -0 "$STRIPE_MOCK_PID" 2>/dev/null || break
      sleep 0.1
    done
    echo "stripe-mock: could not start on port $port (attempt $attempt):" >&2
    tail -n 3 "$STRIPE_MOCK_LOG" >&2
    stop_stripe_mock
  done
  return 1
}

stop_stripe_mock() {
  if [ -n "${STRIPE_MOCK_PID:-}" ]; then
    kill "$STRIPE_MOCK_PID" 2>/dev/null || true
    wait "$STRIPE_MOCK_PID" 2>/dev/null || true
    STRIPE_MOCK_PID=
  fi
  if [ -n "${STRIPE_MOCK_LOG:-}" ]; then
    rm -f "$STRIPE_MOCK_LOG"
  fi
  STRIPE_MOCK_LOG=
}

# add_exit_trap runs cmd on exit after what the EXIT trap already runs
# (postgres.sh's stop_postgres).
add_exit_trap() {
  local prev
  prev=$(trap -p EXIT | sed -e "s/^trap -- '\(.*\)' EXIT$/\1/")
  trap "${prev:+$prev; }$1" EXIT
}
