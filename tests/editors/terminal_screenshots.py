"""Screenshots of Neovim and Emacs showing codex-ls ghost text in a terminal, through tmux.

Not a test: run by hand to refresh the pictures of editors/README.md::

    PYTHONPATH=server .venv/bin/python -m tests.editors.terminal_screenshots docs/screenshots

Each editor runs in a detached tmux session of 84x18 cells against the real server
and the scripted model on loopback; the pane is captured with its colours
(``capture-pane -e``), kept as text, and drawn to PNG by ImageMagick through Pango
markup, so the ghost text keeps its own colour.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.editors.harness import EDITORS, ScriptedModel, codex_ls_command, editor_env, neovim_binary
from tests.fakes.fake_backend import FakeBackend

SOURCE = "import math\n\n\ndef area(w, h):\n"
SIZE = ("84", "18")
PALETTE = ["#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5"]
BRIGHT = ["#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff"]
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def color_256(n: int) -> str:
    if n < 8:
        return PALETTE[n]
    if n < 16:
        return BRIGHT[n - 8]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return f"#{steps[n // 36]:02x}{steps[n // 6 % 6]:02x}{steps[n % 6]:02x}"
    level = 8 + 10 * (n - 232)
    return f"#{level:02x}{level:02x}{level:02x}"


def apply_sgr(codes: list[int], style: dict[str, str]) -> None:
    """Update ``style`` (foreground, background, weight) by one SGR sequence's codes."""
    i = 0
    while i < len(codes):
        code = codes[i]
        if code == 0:
            style.clear()
        elif code == 1:
            style["weight"] = "bold"
        elif code == 2:
            style["foreground"] = "#808080"
        elif code in (22, 39):
            style.pop("weight" if code == 22 else "foreground", None)
        elif code == 49:
            style.pop("background", None)
        elif 30 <= code <= 37 or 90 <= code <= 97:
            style["foreground"] = (PALETTE if code < 90 else BRIGHT)[code % 10]
        elif 40 <= code <= 47:
            style["background"] = PALETTE[code - 40]
        elif code in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
            style["foreground" if code == 38 else "background"] = color_256(codes[i + 2])
            i += 2
        elif code in (38, 48) and i + 4 < len(codes) and codes[i + 1] == 2:
            r, g, b = codes[i + 2 : i + 5]
            style["foreground" if code == 38 else "background"] = f"#{r:02x}{g:02x}{b:02x}"
            i += 4
        i += 1


def pango_markup(ansi: str) -> str:
    """Pango markup of a ``capture-pane -e`` text: its colours, on a dark background."""
    out: list[str] = []
    style: dict[str, str] = {}
    pos = 0
    for match in [*SGR.finditer(ansi), None]:
        end = match.start() if match else len(ansi)
        text = ansi[pos:end]
        if text:
            attributes = " ".join(f'{k}="{v}"' for k, v in style.items())
            escaped = html.escape(text, quote=False)
            out.append(f"<span {attributes}>{escaped}</span>" if attributes else escaped)
        if match is None:
            break
        apply_sgr([int(c) if c else 0 for c in match.group(1).split(";")], style)
        pos = match.end()
    return "".join(out)


def render(ansi: Path, png: Path) -> bool:
    """Draw the capture to PNG with ImageMagick's Pango coder; False when that did not work."""
    convert = Path("/usr/bin/convert")
    if not convert.exists():
        return False
    markup = (
        '<span font_family="DejaVu Sans Mono" size="11000" foreground="#e5e5e5">'
        + pango_markup(ansi.read_text(encoding="utf-8"))
        + "</span>"
    )
    png.unlink(missing_ok=True)
    # The markup goes inline: Debian's ImageMagick policy refuses "@file" arguments. Its
    # Pango coder may abort while exiting after the image is written, so the file decides.
    for _ in range(3):
        subprocess.run(
            [str(convert), "-background", "#1e1e1e", f"pango:{markup}", str(png)], capture_output=True, check=False
        )
        if png.exists() and png.stat().st_size > 0:
            return True
    return False


class Tmux:
    def __init__(self, name: str, command: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.name = name
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", name, "-x", SIZE[0], "-y", SIZE[1], *command],
            cwd=cwd,
            env=env,
            check=True,
        )

    def keys(self, *keys: str, pause: float = 0.4) -> None:
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)
            time.sleep(pause)

    def capture(self, path: Path) -> None:
        for colours, suffix in ((["-e"], ".ansi"), ([], ".txt")):
            done = subprocess.run(
                ["tmux", "capture-pane", "-p", *colours, "-t", self.name], capture_output=True, text=True, check=True
            )
            path.with_suffix(suffix).write_text(done.stdout, encoding="utf-8")

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False)


def neovim(work: Path, url: str, server: str, out: Path) -> None:
    nvim = neovim_binary()
    assert nvim is not None, "Neovim is not installed"
    init = work / "init.lua"
    init.write_text(
        f"vim.opt.runtimepath:prepend({str(EDITORS / 'nvim')!r})\n"
        "vim.o.termguicolors = true\n"
        "vim.cmd.colorscheme('habamax')\n"
        f"require('codex').setup({{ cmd = {{ {server!r} }}, settings = {{ backend = {{ kind = 'openai', "
        f"url = {url!r}, model = 'qwen2.5-coder-1.5b' }} }} }})\n"
        "vim.o.statusline = \"%f %=%{%v:lua.require'codex'.statusline()%} \"\n",
        encoding="utf-8",
    )
    (work / "shapes.py").write_text(SOURCE, encoding="utf-8")
    session = Tmux("codex-nvim", [nvim, "-u", str(init), "shapes.py"], work, editor_env(work / "home"))
    try:
        time.sleep(3)
        # "o" indents the new line (Python's indent rules); a key and its backspace ask there.
        session.keys("G", "o", "x", "BSpace", pause=1.5)
        session.capture(out / "neovim-ghost-text")
        session.keys("C-Right", pause=1.5)
        session.capture(out / "neovim-accept-word")
    finally:
        session.close()


def emacs(work: Path, url: str, server: str, out: Path) -> None:
    binary = shutil.which("emacs")
    assert binary is not None, "Emacs is not installed"
    (work / "shapes.py").write_text(SOURCE, encoding="utf-8")
    setup = (
        f"(progn (load {json.dumps(str(EDITORS / 'emacs' / 'codex-ls-mode.el'))})"
        f' (setq codex-ls-mode-program "{server}"'
        f' codex-ls-mode-settings (quote (:backend (:kind "openai" :url "{url}" :model "qwen2.5-coder-1.5b"))))'
        " (setq suggest-key-bindings nil) (global-codex-ls-mode 1))"
    )
    env = editor_env(work / "home-emacs") | {"TERM": "xterm-256color"}
    session = Tmux("codex-emacs", [binary, "-nw", "-Q", "--eval", setup, "shapes.py"], work, env)
    try:
        time.sleep(4)
        session.keys("M->", "BSpace", "Enter", pause=2.0)
        session.capture(out / "emacs-ghost-text")
        # Through M-x: tmux passes C-<down> to a terminal Emacs as an escape sequence it does not decode.
        session.keys("M-x", pause=0.5)
        session.keys("codex-ls-mode-accept-line", "Enter", pause=1.5)
        session.capture(out / "emacs-accept-line")
    finally:
        session.close()


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    server = codex_ls_command()
    assert server is not None, "codex-ls is not installed"
    script = ScriptedModel()
    script.completions += [("def area(w, h):\n    ", "product = w * h\n    return product")]
    with FakeBackend() as backend, tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        backend.responder = script
        for name, run in (("nvim", neovim), ("emacs", emacs)):
            work = Path(tmp) / name
            work.mkdir()
            run(work, backend.openai_url, server, out)
    for capture in sorted(out.glob("*.ansi")):
        drawn = render(capture, capture.with_suffix(".png"))
        print(capture.with_suffix(".png" if drawn else ".txt"))
        capture.unlink()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
