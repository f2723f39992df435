# shellcheck shell=bash
# Sourced by scripts/test: makes Debian's chromium available for the browser
# tests (cmd/webrana/browser_test.go), installing the package when it is
# missing, and exports WEBRANA_CHROMIUM. Never downloads a browser of its own.

find_chromium() {
  command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null || true
}

ensure_chromium() {
  local bin
  bin=$(find_chromium)
  if [ -z "$bin" ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "chromium: missing and not root; install Debian's chromium package" >&2
      return 1
    fi
    echo "chromium: installing Debian's chromium package" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || return 1
    bin=$(find_chromium)
  fi
  [ -n "$bin" ] || { echo "chromium: not found after install" >&2; return 1; }
  export WEBRANA_CHROMIUM="$bin"
  echo "chromium: $("$bin" --version 2>/dev/null | head -n 1)" >&2
}
