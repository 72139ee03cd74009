#!/usr/bin/env bash
# code-server (VS Code served to a browser) for tests/editors/test_vscode_live.py.
#
# Installs code-server $VERSION from npm into a cache folder keyed by its version,
# once; a later run finds the finished install and returns at once. The install is
# built in a scratch folder and renamed into place only when every step passed, so
# an interrupted run never leaves a half install that looks finished.
#
# `npm install code-server` cannot run as is here, for three reasons, each handled
# below by doing its postinstall by hand:
#   - the postinstall refuses to run as root;
#   - lib/vscode's npm-shrinkwrap.json pins @vscode/proxy-agent to a git commit,
#     which cannot be fetched; the same version from the npm registry replaces it;
#   - @vscode/ripgrep downloads its binary; Debian's ripgrep serves instead.
#
# Prints the code-server launcher's path as its last line. With --print-path it only
# prints that path, and fails if code-server is not installed there.
set -euo pipefail

VERSION=4.96.4            # bundles VS Code 1.96.4; the newest release whose engines.node accepts Node 20
PROXY_AGENT=0.27.0        # the version lib/vscode's shrinkwrap names, from the registry instead of git
CACHE="${CODEX_LS_EDITORS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/codex-ls/editors}"
DEST="$CACHE/code-server-$VERSION"
LAUNCHER="$DEST/node_modules/code-server/out/node/entry.js"

say() { echo "code-server: $*" >&2; }

if [ "${1:-}" = --print-path ]; then
  echo "$LAUNCHER"
  [ -f "$DEST/.installed" ]
  exit
fi

if [ -f "$DEST/.installed" ]; then
  say "installed in $DEST"
  echo "$LAUNCHER"
  exit 0
fi

# Debian packages: the browser, ripgrep for VS Code's search, Kerberos headers for the
# native module that code-server builds from source.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v rg >/dev/null || missing+=(ripgrep)
[ -f /usr/include/krb5.h ] || [ -f /usr/include/krb5/krb5.h ] || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${missing[*]} from Debian"
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
  else
    say "missing Debian packages: ${missing[*]} (apt-get install ${missing[*]})"
    exit 1
  fi
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != 20 ]; then
  say "needs Node 20 (code-server $VERSION's engines.node), found $(node --version)"
  exit 1
fi

export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
export npm_config_loglevel=error npm_config_prefer_offline=true
# node-gyp builds the native modules against this Node's own headers, where it has them,
# instead of downloading them from nodejs.org (only the registry may be reachable).
if [ "$(npm config get nodedir)" = undefined ]; then
  node_prefix=$(dirname "$(dirname "$(command -v node)")")
  if [ -f "$node_prefix/include/node/node.h" ]; then export npm_config_nodedir="$node_prefix"; fi
fi

mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/.code-server-$VERSION.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
started=$SECONDS

say "npm install code-server@$VERSION (scripts off)"
npm install --prefix "$WORK" --ignore-scripts --no-save "code-server@$VERSION" >&2
PKG="$WORK/node_modules/code-server"
VSCODE="$PKG/lib/vscode"

say "lib/vscode: @vscode/proxy-agent $PROXY_AGENT from the registry instead of git"
read -r tarball integrity < <(npm view "@vscode/proxy-agent@$PROXY_AGENT" dist.tarball dist.integrity --json \
  | node -e 'const d = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(d["dist.tarball"], d["dist.integrity"])')
SHRINKWRAP="$VSCODE/npm-shrinkwrap.json" TARBALL="$tarball" INTEGRITY="$integrity" node -e '
  const fs = require("fs");
  const file = process.env.SHRINKWRAP;
  const lock = JSON.parse(fs.readFileSync(file, "utf8"));
  const entry = lock.packages["node_modules/@vscode/proxy-agent"];
  if (!entry) { throw new Error("no @vscode/proxy-agent in " + file); }
  entry.resolved = process.env.TARBALL;
  entry.integrity = process.env.INTEGRITY;
  fs.writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
'

say "lib/vscode: npm install (scripts off)"
(cd "$VSCODE" && npm install --omit=dev --ignore-scripts >&2)

say "native modules: npm rebuild"
(cd "$VSCODE" && npm rebuild @parcel/watcher @vscode/deviceid @vscode/spdlog kerberos native-watchdog node-pty >&2)
(cd "$WORK" && npm rebuild argon2 >&2)

say "ripgrep: Debian's /usr/bin/rg"
mkdir -p "$VSCODE/node_modules/@vscode/ripgrep/bin"
ln -sf "$(command -v rg)" "$VSCODE/node_modules/@vscode/ripgrep/bin/rg"

# The rest of the postinstall (postinstall.sh's vscode_install).
ln -s node_modules "$VSCODE/node_modules.asar"
ln -s code-linux.sh "$VSCODE/bin/remote-cli/code-server"
ln -s browser-linux.sh "$VSCODE/bin/helpers/browser.sh"
say "lib/vscode/extensions: npm install"
(cd "$VSCODE/extensions" && npm install --omit=dev >&2)

# Every native module loads under this Node, or the install is not finished.
(cd "$VSCODE" && node -e '
  for (const m of ["@parcel/watcher", "@vscode/spdlog", "kerberos", "native-watchdog", "node-pty"]) { require(m); }
') >&2
(cd "$WORK" && node -e 'require("argon2")') >&2
# --version writes a default config file: keep it in the scratch folder.
probe="$WORK/.probe"
version=$(HOME="$probe" XDG_CONFIG_HOME="$probe" XDG_DATA_HOME="$probe" node "$PKG/out/node/entry.js" --version \
  | grep -E '^[0-9]+\.[0-9]+\.[0-9]+ ' | head -1)
rm -rf "$probe"
case "$version" in
  "$VERSION "*) ;;
  *) say "the installed code-server says '$version', expected $VERSION"; exit 1 ;;
esac

touch "$WORK/.installed"
rm -rf "$DEST"
mv "$WORK" "$DEST"
trap - EXIT
say "installed in $DEST in $((SECONDS - started)) s"
echo "$LAUNCHER"
