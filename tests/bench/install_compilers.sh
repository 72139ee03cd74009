#!/usr/bin/env bash
# The compilers and runtimes that judge SAFIM's block and control programs
# (bench/safim_exec.py, tests/bench/test_safim.py): javac and java (OpenJDK 17),
# g++ (12), mcs and mono (Mono 6.8), all from Debian bookworm.
#
# Returns at once, silent, when every command is on PATH. Otherwise installs the
# Debian packages of the missing ones with apt-get when it may (root, or sudo without
# a password), else prints what to install and leaves the tests to skip those
# languages (or fail, under CODEX_LS_REQUIRE_COMPILERS=1). Exits 0 either way, so
# that `make test` goes on; the tests say what is still missing.
set -euo pipefail

say() { echo "compilers: $*" >&2; }

# The Debian package that brings each command: the JDK brings the JRE's `java`;
# mono-mcs brings the class libraries the programs use (System.Core, System.Numerics).
declare -A PACKAGE=(
  [javac]=openjdk-17-jdk-headless
  [java]=openjdk-17-jdk-headless
  [g++]=g++
  [mcs]=mono-mcs
  [mono]=mono-runtime
)

missing=()
packages=()
for command in javac java g++ mcs mono; do
  command -v "$command" >/dev/null && continue
  missing+=("$command")
  [[ " ${packages[*]} " == *" ${PACKAGE[$command]} "* ]] || packages+=("${PACKAGE[$command]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  as_root=(none)
fi
if [ "${as_root[*]}" = none ] || ! command -v apt-get >/dev/null; then
  say "${missing[*]} missing (apt-get install --no-install-recommends ${packages[*]}); tests/bench/test_safim.py will skip those languages"
  exit 0
fi

say "installing ${packages[*]} from Debian for ${missing[*]}"
# Slim Debian images leave out /usr/share/man, where the JDK's postinst links its man pages.
"${as_root[@]}" mkdir -p /usr/share/man/man1
if ! { "${as_root[@]}" apt-get update -q >&2 &&
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${packages[@]}" >&2; }; then
  say "apt-get failed (see above); tests/bench/test_safim.py will skip ${missing[*]}"
  exit 0
fi
for command in "${missing[@]}"; do
  command -v "$command" >/dev/null || say "$command still missing after installing ${packages[*]}"
done
