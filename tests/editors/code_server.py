"""A real VS Code for the tests: code-server in headless Chromium, driven by Playwright.

``install_code_server.sh`` (run by ``make install-editors``) puts code-server in a cache
folder keyed by its version. A :class:`Workbench` starts it on a free loopback port with
its own HOME, user-data and extensions folders, installs the packaged extension, opens a
folder in Chromium and offers what a user does: open a file, type, press keys, run a
command from the palette, read what the editor shows. Everything it starts is stopped
at the end, code-server's whole process group included (extension hosts and language
servers outlive a closed browser otherwise).

Nothing leaves the machine: the page may only load from code-server's own address,
the extension gallery is switched off, and VS Code's HTTP goes to a closed local port.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any, TypeVar

from tests.editors.harness import EXTENSION, HERE, editor_env

if find_spec("playwright") is not None:
    from playwright.sync_api import BrowserContext, Page, Playwright, Route, sync_playwright
else:  # pragma: no cover - the tests skip (or fail under CODEX_LS_REQUIRE_EDITORS=1)
    BrowserContext = Page = Playwright = Route = Any  # type: ignore[misc,assignment]

VERSION = "4.96.4"
INSTALL_SCRIPT = HERE / "install_code_server.sh"
ARTIFACTS = HERE / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Where VS Code's own HTTP requests (gallery, proxy-aware fetches) go: a port nothing listens on.
DEAD_PROXY = "http://127.0.0.1:9"
STARTUP_TIMEOUT = 60.0

#: The workbench quiet and offline: no welcome page, no trust prompt, no update or gallery checks.
BASE_SETTINGS: dict[str, Any] = {
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "workbench.enableExperiments": False,
    "workbench.welcomePage.walkthroughs.openOnInstall": False,
    "security.workspace.trust.enabled": False,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "extensions.ignoreRecommendations": True,
    "http.proxy": DEAD_PROXY,
    "http.proxySupport": "override",
    "git.enabled": False,
    "files.autoSave": "off",
    "editor.minimap.enabled": False,
    "window.commandCenter": False,
    "chat.commandCenter.enabled": False,
}

#: VS Code 1.96 has no default key for asking for an inline suggestion now.
KEYBINDINGS: list[dict[str, str]] = []

T = TypeVar("T")


def code_server_launcher() -> Path | None:
    """code-server's entry script, if install_code_server.sh has installed it."""
    try:
        done = subprocess.run(
            ["bash", str(INSTALL_SCRIPT), "--print-path"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Path(done.stdout.strip()) if done.returncode == 0 else None


def missing_pieces() -> list[str]:
    """What the real-VS-Code tests need and this machine lacks."""
    missing = []
    if find_spec("playwright") is None:
        missing.append("Playwright for Python (the dev extra)")
    if not Path(CHROMIUM).exists():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if shutil.which("node") is None:
        missing.append("Node.js 20")
    if code_server_launcher() is None:
        missing.append(f"code-server {VERSION} (make install-editors, or bash {INSTALL_SCRIPT})")
    return missing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until(check: Callable[[], T | None], timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll ``check`` until it returns something true (an empty list is not); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def machine_scoped_settings() -> set[str]:
    """The extension's settings whose scope is ``machine`` or ``machine-overridable``."""
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    properties = manifest["contributes"]["configuration"]["properties"]
    return {key for key, spec in properties.items() if spec.get("scope") in ("machine", "machine-overridable")}


@dataclass
class CodeServer:
    """A code-server process in its own session (process group), with its own folders."""

    launcher: Path
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def user_data(self) -> Path:
        return self.root / "user-data"

    @property
    def extensions(self) -> Path:
        return self.root / "extensions"

    @property
    def log(self) -> Path:
        return self.root / "code-server.log"

    def _command(self, *args: str) -> list[str]:
        return [
            "node",
            str(self.launcher),
            "--user-data-dir",
            str(self.user_data),
            "--extensions-dir",
            str(self.extensions),
            *args,
        ]

    def install_extension(self, vsix: Path) -> None:
        done = subprocess.run(
            self._command("--install-extension", str(vsix), "--force"),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"installing {vsix.name} failed:\n{done.stdout}\n{done.stderr}"

    def write_settings(self, settings: dict[str, Any], keybindings: list[dict[str, str]]) -> None:
        """User settings, except the extension's machine-scoped ones, which go to the Machine settings.

        A code-server window is a remote window: it parses the User settings with the local
        machine's scopes, which leave out ``machine`` and ``machine-overridable`` settings once
        the extension's schema is registered. Whether that happens before the extension host
        reads its configuration is a race, so ``codexLs.server.path`` in the User settings
        was sometimes not seen at all. The Machine settings (the "Remote" tab) always hold them.
        """
        scoped = machine_scoped_settings()
        user, machine = self.user_data / "User", self.user_data / "Machine"
        for folder, part in (
            (user, {k: v for k, v in settings.items() if k not in scoped}),
            (machine, {k: v for k, v in settings.items() if k in scoped}),
        ):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "settings.json").write_text(json.dumps(part, indent=2), encoding="utf-8")
        (user / "keybindings.json").write_text(json.dumps(keybindings, indent=2), encoding="utf-8")

    def start(self, folder: Path) -> None:
        self.port = free_port()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self._command(
                    "--auth",
                    "none",
                    "--bind-addr",
                    f"127.0.0.1:{self.port}",
                    "--disable-telemetry",
                    "--disable-update-check",
                    "--disable-workspace-trust",
                    "--disable-getting-started-override",
                    "--ignore-last-opened",
                    str(folder),
                ),
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self._healthy, STARTUP_TIMEOUT, f"code-server on port {self.port}\n{self.log_tail()}")

    def _healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"code-server exited with {self.process.returncode}\n{self.log_tail()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self) -> None:
        """Stop the whole process group: code-server, its extension hosts and their language servers."""
        if self.process is None:
            return
        group = self.process.pid
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, sig)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and group_alive(group):
                time.sleep(0.1)
            if not group_alive(group):
                break
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


def group_alive(group: int) -> bool:
    """True while any process of the group lives (zombies of our own child aside)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command's closing parenthesis: state, ppid, pgrp, ...
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == group and state != "Z":
            return True
    return False


def processes_in_group(group: int) -> list[tuple[int, list[str]]]:
    """(pid, command line) of the group's live processes."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == group and state != "Z":
            found.append((int(entry.name), [part.decode("utf-8", "replace") for part in cmdline if part]))
    return found


class Browser:
    """Headless Chromium (Debian's) in a fresh profile, allowed to load only from one origin."""

    def __init__(self, profile: Path, origin: str) -> None:
        self._origin = origin
        self.blocked: list[str] = []
        self._playwright: Playwright = sync_playwright().start()
        try:
            self.context: BrowserContext = self._playwright.chromium.launch_persistent_context(
                str(profile),
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 800},
            )
        except Exception:
            self._playwright.stop()
            raise
        self.context.route("**/*", self._only_origin)
        self.page: Page = self.context.pages[0] if self.context.pages else self.context.new_page()

    def _only_origin(self, route: Route) -> None:
        url = route.request.url
        if url.startswith((self._origin, "data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def close(self) -> None:
        try:
            self.context.close()
        finally:
            self._playwright.stop()


@dataclass
class Ghost:
    """The inline suggestion as drawn: the text on the cursor's line, and the lines drawn below it."""

    inline: str
    below: list[str]

    @property
    def text(self) -> str:
        return "\n".join([self.inline, *self.below])


# Monaco draws the part of a suggestion on the cursor's line as ``.ghost-text-decoration``
# spans (``-preview`` for the part after text already there), and further lines as
# ``.ghost-text`` lines in a view zone below it; spaces are non-breaking.
_GHOST_SCRIPT = """
() => {
  const editor = document.querySelector('.editor-group-container.active .monaco-editor.focused')
    || document.querySelector('.editor-group-container.active .monaco-editor');
  if (!editor) return null;
  const inline = [...editor.querySelectorAll('.view-lines [class*="ghost-text-decoration"]')]
    .map((e) => e.textContent).join('');
  const below = [...editor.querySelectorAll('.view-zones .view-line:has(.ghost-text)')].map((e) => e.textContent);
  return {inline, below};
}
"""

_TEXT_SCRIPT = """
(group) => {
  const container = group === null
    ? document.querySelector('.editor-group-container.active')
    : document.querySelectorAll('.editor-group-container')[group];
  const editor = container && container.querySelector('.monaco-editor');
  if (!editor) return null;
  const lines = [...editor.querySelectorAll('.view-lines .view-line')].map((e) => {
    const line = e.cloneNode(true);
    line.querySelectorAll('[class*="ghost-text"]').forEach((g) => g.remove());
    return [parseFloat(e.style.top), line.textContent];
  });
  lines.sort((a, b) => a[0] - b[0]);
  return lines.map((l) => l[1]);
}
"""


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ")


# Every text the codex-ls status item shows, from the page's first moment: the
# starting state can be shorter than any polling interval.
_STATUS_RECORDER = """
window.__codexStatus = [];
new MutationObserver(() => {
  const item = document.getElementById('codex-ls.codex-ls');
  const label = item ? item.getAttribute('aria-label') : null;
  const seen = window.__codexStatus;
  if (label !== null && seen[seen.length - 1] !== label) seen.push(label);
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""


class Workbench:
    """The VS Code workbench in the page, seen and driven as a user does."""

    def __init__(self, server: CodeServer, browser: Browser, folder: Path, artifacts: Path) -> None:
        self.server = server
        self.browser = browser
        self.page = browser.page
        self.folder = folder
        self.artifacts = artifacts

    def open(self) -> None:
        self.page.add_init_script(_STATUS_RECORDER)
        self.page.goto(f"http://127.0.0.1:{self.server.port}/?folder={self.folder}", timeout=60_000)
        self.page.wait_for_selector(".monaco-workbench", timeout=60_000)

    # -- looking ---------------------------------------------------------------------

    def screenshot(self, name: str) -> Path:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        path = self.artifacts / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        self.page.screenshot(path=str(path))
        return path

    def status_item(self) -> dict[str, str] | None:
        """The codex-ls status bar item: its text (codicons as ``$(name)``) and its tooltip/label."""
        value: dict[str, str] | None = self.page.evaluate(
            """() => {
              const item = [...document.querySelectorAll('.statusbar-item')]
                .find((e) => (e.id || '').toLowerCase().includes('codex-ls'));
              if (!item) return null;
              const label = item.querySelector('.statusbar-item-label') || item;
              const icons = [...label.querySelectorAll('.codicon')].map((c) =>
                [...c.classList].filter((k) => k.startsWith('codicon-') && !k.startsWith('codicon-modifier')));
              return {text: label.textContent.trim(), icons: icons.flat().join(' '),
                      aria: item.getAttribute('aria-label') || '', id: item.id};
            }"""
        )
        return value

    def status_history(self) -> list[str]:
        """Every label the status item has had, in order (``aria-label``: icon name, text, tooltip)."""
        history: list[str] = self.page.evaluate("() => window.__codexStatus || []")
        return history

    def ghost(self) -> Ghost | None:
        value = self.page.evaluate(_GHOST_SCRIPT)
        if not value or (not value["inline"] and not value["below"]):
            return None
        return Ghost(_plain(value["inline"]), [_plain(line) for line in value["below"]])

    def visible_lines(self, group: int | None = None) -> list[str]:
        """The rendered lines (ghost text left out) of the active editor, or of editor group ``group`` (0-based)."""
        lines = self.page.evaluate(_TEXT_SCRIPT, group) or []
        return [_plain(line) for line in lines]

    def editor_groups(self) -> list[dict[str, Any]]:
        """Each editor group: is it the active one, and the title of its active tab."""
        groups: list[dict[str, Any]] = self.page.evaluate(
            """() => [...document.querySelectorAll('.editor-group-container')].map((g) => ({
                 active: g.classList.contains('active'),
                 tab: (g.querySelector('.tab.active') || {}).getAttribute?.('data-resource-name') || null,
               }))"""
        )
        return groups

    def cursor(self) -> str:
        """The status bar's cursor position, e.g. ``Ln 2, Col 17``."""
        text: str = self.page.locator("#status\\.editor\\.selection").inner_text(timeout=5_000)
        return text.strip()

    def wait_for_cursor(self, expected: str, timeout: float = 5.0) -> None:
        """Until the status bar shows the cursor at ``expected``: VS Code updates that item a moment
        after the cursor moves, so a reading taken at once can still show where it was."""
        wait_until(lambda: self.cursor() == expected, timeout, f"the cursor at {expected}; shown: {self.cursor()}")

    def notifications(self) -> list[str]:
        texts: list[str] = self.page.evaluate(
            """() => [...document.querySelectorAll('.notifications-toasts .notification-toast')]
                 .map((e) => e.textContent)"""
        )
        return [_plain(t) for t in texts]

    def wait_for_ghost(self, expected: str, timeout: float = 10.0) -> Ghost:
        return wait_until(
            lambda: (g := self.ghost()) is not None and g.text == expected and g,
            timeout,
            f"ghost text {expected!r}; shown: {self.ghost()!r}",
        )

    def wait_for_no_ghost(self, timeout: float = 5.0) -> None:
        wait_until(lambda: self.ghost() is None, timeout, f"no ghost text; shown: {self.ghost()!r}")

    # -- doing -----------------------------------------------------------------------

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)

    def type(self, text: str, delay: float = 40) -> None:
        self.page.keyboard.type(text, delay=delay)

    def run_command(self, title: str) -> None:
        """Run a command from the command palette by its full title."""
        self.keys("F1")
        box = self.page.locator(".quick-input-widget input.input")
        box.wait_for(state="visible", timeout=10_000)
        box.fill(f">{title}")
        row = self.page.locator(".quick-input-list .monaco-list-row", has_text=title).first
        row.wait_for(state="visible", timeout=10_000)
        self.keys("Enter")

    def open_file(self, name: str) -> None:
        """Open a file of the folder with Quick Open, and wait until its editor has focus."""
        self.keys("Control+P")
        box = self.page.locator(".quick-input-widget input.input")
        box.wait_for(state="visible", timeout=10_000)
        box.fill(name)
        self.page.locator(".quick-input-list .monaco-list-row", has_text=name).first.wait_for(timeout=10_000)
        self.keys("Enter")
        self.page.locator(f'.tab.active[data-resource-name="{name}"]').wait_for(timeout=10_000)
        self.page.locator(".editor-group-container.active .monaco-editor.focused").wait_for(timeout=10_000)

    def go_to(self, line: int, column: int) -> None:
        """Put the cursor at a 1-based line and column (Go to Line, ``line:column``)."""
        self.keys("Control+G")
        box = self.page.locator(".quick-input-widget input.input")
        box.wait_for(state="visible", timeout=10_000)
        box.fill(f":{line}:{column}")
        self.keys("Enter")
        self.page.locator(".editor-group-container.active .monaco-editor.focused").wait_for(timeout=10_000)

    def change_setting(self, key: str, value: str) -> None:
        """Change a number or text setting in the Settings editor, as a user does, and close it.

        (code-server does not notice settings.json written behind its back.)
        """
        self.keys("Control+Comma")
        self.page.locator(".settings-editor").wait_for(timeout=10_000)
        self.type(key, delay=10)
        field = self.page.locator(f'.settings-editor [data-key="{key}"] input.input').first
        field.wait_for(timeout=10_000)
        field.fill(value)
        self.keys("Tab")
        time.sleep(0.5)
        self.keys("Control+W")
        self.page.locator(".settings-editor").wait_for(state="detached", timeout=10_000)

    def save(self) -> None:
        self.keys("Control+S")
        self.page.locator(".editor-group-container.active .tab.active.dirty").wait_for(state="detached", timeout=10_000)


@contextlib.contextmanager
def workbench(
    root: Path, folder: Path, vsix: Path, settings: dict[str, Any], env: dict[str, str] | None = None
) -> Iterator[Workbench]:
    """A code-server with the extension installed and ``settings``, and a browser page on ``folder``."""
    launcher = code_server_launcher()
    assert launcher is not None, f"code-server {VERSION} is not installed"
    home = root / "home"
    server_env = (
        editor_env(home)
        | {
            "EXTENSIONS_GALLERY": "{}",
            "CS_DISABLE_PROXY": "1",
            "CS_DISABLE_FILE_DOWNLOADS": "1",
        }
        | (env or {})
    )
    server = CodeServer(launcher, root, server_env)
    server.install_extension(vsix)
    server.write_settings(BASE_SETTINGS | settings, KEYBINDINGS)
    server.start(folder)
    browser: Browser | None = None
    try:
        browser = Browser(root / "chromium", f"http://127.0.0.1:{server.port}")
        bench = Workbench(server, browser, folder, ARTIFACTS)
        bench.open()
        yield bench
    finally:
        try:
            if browser is not None:
                browser.close()
        finally:
            server.stop()
