#!/usr/bin/env bash
# llama.cpp's `llama-server` for tests/engines and bench/team.py.
#
# Builds the server from the llama.cpp sources that the pinned llama-cpp-python sdist
# vendors (vendor/llama.cpp), so the engine is the same llama.cpp the embedded backend
# runs, and nothing is fetched beyond PyPI. The binary is cached under a folder keyed by
# the sdist's version, once; a later run finds the finished install and returns at once.
# The build runs in a scratch folder and is renamed into place only when every step
# passed, so an interrupted run never leaves a half install that looks finished.
#
# Offline choices:
#   - the web UI: its CMake step would run `npm ci` or download prebuilt assets from
#     Hugging Face; LLAMA_BUILD_UI=OFF and LLAMA_USE_PREBUILT_UI=OFF embed an empty asset
#     table instead, so the server answers its HTTP API and has no chat page at /;
#   - downloads of models by URL: LLAMA_OPENSSL=OFF (llama.cpp dropped libcurl; the
#     LLAMA_CURL option now only prints a deprecation warning); models are local files;
#   - static libraries, so the cached binary needs no libllama/libggml beside it.
#
# Prints the binary's path as its last line. With --print-path it only prints that path,
# and fails if llama-server is not installed there.
set -euo pipefail

VERSION=0.3.36   # llama-cpp-python, the same pin as the Makefile's LLAMA_CPP
SDIST_SHA256=832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e
PYTHON="${PYTHON:-python3}"
CACHE="${CODEX_LS_ENGINES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/codex-ls/engines}"
DEST="$CACHE/$VERSION"
BINARY="$DEST/bin/llama-server"
LOG="$CACHE/llama-server-$VERSION-build.log"

say() { echo "llama-server: $*" >&2; }

if [ "${1:-}" = --print-path ]; then
  echo "$BINARY"
  [ -f "$DEST/.installed" ]
  exit
fi

if [ -f "$DEST/.installed" ]; then
  say "installed in $DEST"
  echo "$BINARY"
  exit 0
fi

missing=()
for tool in cmake c++ cc; do command -v "$tool" >/dev/null || missing+=("$tool"); done
"$PYTHON" -m pip --version >/dev/null 2>&1 || missing+=("pip for $PYTHON")
if [ ${#missing[@]} -gt 0 ]; then
  say "cannot build: missing ${missing[*]} (Debian: apt-get install cmake g++ ninja-build)"
  exit 1
fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/.llama-server-$VERSION.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
started=$SECONDS
: >"$LOG"

fail() {
  say "$1; the last lines of $LOG:"
  tail -n 30 "$LOG" >&2
  exit 1
}

say "pip download llama-cpp-python==$VERSION (the sdist, from PyPI or pip's cache)"
echo "llama-cpp-python==$VERSION --hash=sha256:$SDIST_SHA256" >"$WORK/requirements.txt"
"$PYTHON" -m pip download --quiet --no-deps --no-binary :all: --require-hashes \
  -r "$WORK/requirements.txt" --dest "$WORK" >>"$LOG" 2>&1 || fail "pip download failed"

say "unpacking vendor/llama.cpp"
tar -xzf "$WORK/llama_cpp_python-$VERSION.tar.gz" -C "$WORK" "llama_cpp_python-$VERSION/vendor/llama.cpp" \
  || fail "the sdist has no vendor/llama.cpp"
SRC="$WORK/llama_cpp_python-$VERSION/vendor/llama.cpp"

say "cmake configure (server only, no web UI, static, CPU)"
cmake -S "$SRC" -B "$WORK/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF -DGGML_CCACHE=OFF \
  >>"$LOG" 2>&1 || fail "cmake configure failed"

jobs=$(nproc 2>/dev/null || echo 2)
say "compiling with $jobs jobs (the first time only: 12 minutes of CPU)"
# Ninja prints "[n/N]" per step, Make "[ nn%]": show those, keep everything in the log.
# (A shell loop, not awk: mawk reads its input in blocks and would show nothing for minutes.)
cmake --build "$WORK/build" --target llama-server --parallel "$jobs" 2>&1 | tee -a "$LOG" | while IFS= read -r line; do
  if [[ $line =~ ^\[\ *[0-9]+(/[0-9]+|%)\] ]]; then say "compiling ${BASH_REMATCH[0]}"; fi
done || fail "the build failed"

built="$WORK/build/bin/llama-server"
[ -x "$built" ] || fail "the build finished without $built"
"$built" --version >>"$LOG" 2>&1 || fail "the built llama-server does not run"

mkdir -p "$WORK/install/bin"
cp "$built" "$WORK/install/bin/llama-server"
cp "$SRC/LICENSE" "$WORK/install/LICENSE.llama.cpp"
touch "$WORK/install/.installed"
rm -rf "$DEST"
mv "$WORK/install" "$DEST"
say "installed in $DEST in $((SECONDS - started)) s"
echo "$BINARY"
