# shellcheck shell=bash
# Sourced by scripts/test: makes Node.js and the independent DigitalOcean
# client of scripts/doclient (dots-wrapper, pinned by its package-lock.json)
# available to cmd/webrana's doclient test, and exports WEBRANA_NODE and
# WEBRANA_DOCLIENT_MODULES (the node_modules folder to put on NODE_PATH).
# Node comes from the machine, else Debian's nodejs and npm packages
# (installed when root). The client is installed once per lock file with
# `npm ci` into ~/.cache/webrana/doclient-<lock hash>, so later runs need
# neither npm nor the registry.

ensure_doclient() {
  if [ -n "${WEBRANA_NODE:-}" ] && [ -n "${WEBRANA_DOCLIENT_MODULES:-}" ]; then
    echo "doclient: using WEBRANA_NODE and WEBRANA_DOCLIENT_MODULES from the environment" >&2
    return 0
  fi
  local node npm
  node=$(command -v node || true)
  npm=$(command -v npm || true)
  if [ -z "$node" ] || [ -z "$npm" ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "doclient: node or npm missing and not root; install Debian's nodejs and npm packages" >&2
      return 1
    fi
    echo "doclient: installing Debian's nodejs and npm packages" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null || return 1
    node=$(command -v node || true)
    npm=$(command -v npm || true)
    [ -n "$node" ] && [ -n "$npm" ] || { echo "doclient: node or npm not found after install" >&2; return 1; }
  fi
  local src hash cache dir
  src="$(pwd)/scripts/doclient"
  hash=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/webrana"
  dir="$cache/doclient-$hash"
  if [ ! -f "$dir/.installed" ] || [ ! -f "$dir/node_modules/dots-wrapper/package.json" ]; then
    echo "doclient: npm ci (dots-wrapper, pinned by scripts/doclient/package-lock.json)" >&2
    local tmp
    mkdir -p "$cache"
    tmp=$(mktemp -d "$cache/doclient-tmp.XXXXXX")
    cp "$src/package.json" "$src/package-lock.json" "$tmp/"
    if ! (cd "$tmp" && "$npm" ci --prefer-offline --ignore-scripts --no-audit --no-fund --loglevel=error \
      --cache "$cache/npm" >&2); then
      rm -rf "$tmp"
      echo "doclient: npm ci failed" >&2
      return 1
    fi
    touch "$tmp/.installed"
    rm -rf "$dir"
    mv "$tmp" "$dir"
  fi
  export WEBRANA_NODE="$node"
  export WEBRANA_DOCLIENT_MODULES="$dir/node_modules"
  echo "doclient: $("$node" -p "'node ' + process.version + ', dots-wrapper ' + require('$dir/node_modules/dots-wrapper/package.json').version")" >&2
}
