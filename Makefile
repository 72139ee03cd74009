# codex-ls: `make demo` (a real completion from the embedded model) and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MODEL ?= qwen2.5-coder-0.5b
LLAMA_CPP := llama-cpp-python==0.3.36

.PHONY: demo test lint bench install-local install-editors install-engines install-compilers wheelhouse venv clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

venv: $(BIN)/python

# llama-cpp-python has no Linux wheel on PyPI: pip compiles it once (about 12-15
# minutes on 2 cores) and keeps the wheel in its cache. The compiler's progress is
# shown as it goes; the full log is kept in $(VENV)/llama-build.log.
install-local: venv
	@if $(BIN)/python -c "import llama_cpp" 2>/dev/null; then echo "llama-cpp-python: installed"; else \
	  echo "llama-cpp-python: installing (compiles llama.cpp the first time; progress below)"; \
	  $(BIN)/pip install --progress-bar off -v "$(LLAMA_CPP)" 2>&1 | tee $(VENV)/llama-build.log \
	    | awk '/^ *\[[0-9]+\/[0-9]+\]/ { printf "  compiling llama.cpp %s\n", $$1; fflush(); next } \
	           /Successfully|Using cached|Building wheel|Created wheel|ERROR|error:/ { print; fflush() }'; \
	fi

demo: install-local
	$(BIN)/pip install --progress-bar on -e '.[local,model-0-5b]'
	$(BIN)/codex-ls model install $(MODEL) --no-pip
	@echo "== completing examples/fibonacci.py line 8, column 24, through the language server =="
	$(BIN)/codex-ls complete examples/fibonacci.py --line 8 --col 24 --config '{"model": {"name": "$(MODEL)"}}'

test: install-local install-editors install-engines install-compilers wheelhouse
	$(BIN)/pip install --progress-bar on -e '.[local,model-0-5b,syntax,dev,engines]'
	$(BIN)/codex-ls model install qwen2.5-coder-0.5b --no-pip
	$(BIN)/python -m pytest

# The real-editor tests (tests/editors): Neovim comes with the dev extra and the VS Code
# extension is built with the machine's npm; Emacs 28 + eglot come from Debian, installed
# here when we may (root with apt-get), else tests/editors/test_emacs.py skips.
# VS Code itself is code-server from npm, run in Debian's Chromium: installed once into
# ~/.cache/codex-ls/editors (about 2 minutes, 350 MB), found there on later runs.
install-editors:
	@if command -v emacs >/dev/null && dpkg -s emacs-nox elpa-eglot >/dev/null 2>&1; then echo "emacs + eglot: installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q emacs-nox elpa-eglot; \
	else echo "emacs + eglot: missing (apt-get install emacs-nox elpa-eglot); tests/editors/test_emacs.py will skip"; fi
	@bash tests/editors/install_code_server.sh >/dev/null \
	  || echo "code-server: not installed (see above); tests/editors/test_vscode_live.py will skip"

# The real serving engines for tests/engines and bench/team.py: llama.cpp's llama-server,
# compiled from the llama.cpp sources in the pinned llama-cpp-python sdist (from PyPI) into
# ~/.cache/codex-ls/engines (once: 12 minutes of CPU, 12 to 25 minutes on 2 cores shared
# with other work; progress below), found there on later runs. llama_cpp.server comes
# with the `engines` extra.
install-engines: venv
	@PYTHON=$(BIN)/python bash tests/engines/install_llama_server.sh >/dev/null \
	  || echo "llama-server: not built (see above); tests/engines will skip its tests"

# The compilers that judge SAFIM's programs (bench/safim_exec.py, tests/bench/test_safim.py):
# OpenJDK 17 (javac, java), g++ and Mono (mcs, mono) from Debian, installed when any is
# missing and we may (root or passwordless sudo, with apt-get: one update, then the
# missing ones' packages of openjdk-17-jdk-headless g++ mono-mcs mono-runtime, without
# recommends), else one line says what to install and the tests of those languages skip.
# Silent when all are there.
install-compilers:
	@bash tests/bench/install_compilers.sh

# What a user's `pip install codex_ls-*.whl` needs, fetched once from the registry, so
# that tests/e2e/test_install_from_wheel.py can build the sdist and the wheel and
# install the wheel into a fresh venv offline.
wheelhouse: venv
	@mkdir -p build/wheelhouse
	$(BIN)/python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb')); \
	  print('\n'.join(p['build-system']['requires'] + p['project']['dependencies'] + ['wheel']))" > build/wheelhouse.txt
	$(BIN)/pip download --quiet --dest build/wheelhouse -r build/wheelhouse.txt

lint: venv
	$(BIN)/ruff check server tests bench
	$(BIN)/mypy

bench: venv
	$(BIN)/python -m bench.latency

clean:
	rm -rf $(VENV) build *.egg-info
