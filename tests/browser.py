"""A Playwright harness that opens a page in Debian's Chromium with the network cut off.

Not a test module: browser tests import :func:`open_page`. It launches
``/usr/bin/chromium`` (installed by ``make test``; ``playwright install`` is never used,
it would download a browser) with a fresh profile, lets through only local requests
(``file:``, ``data:``, ``about:``, ``blob:``, 127.0.0.1/localhost) and aborts and counts
every other one, so a test proves that a page works offline instead of assuming it.
Console errors, uncaught page errors and dialogs (dismissed automatically) are recorded.
"""

from __future__ import annotations

import ipaddress
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
LOCAL_SCHEMES = frozenset({"file", "data", "about", "blob"})
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def is_local(url: str) -> bool:
    """Whether a request for ``url`` stays on this machine."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    host = (parts.hostname or "").lower()
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_chromium() -> Path:
    """Fail (never skip) when Debian's Chromium is missing, saying how to get it."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium "
            "(scripts/install-system-deps.sh); browser tests never download a browser",
            pytrace=False,
        )
    return CHROMIUM


@dataclass
class PageSession:
    """What happened while a page was open: the page itself and every request made."""

    page: Any
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    @property
    def non_local_requests(self) -> list[str]:
        """Requests that would have left the machine (all of them were aborted)."""
        return [url for url in self.requests if not is_local(url)]


@contextmanager
def open_page(
    path_or_html: Path | str,
    *,
    viewport: tuple[int, int] = (1200, 800),
    wait_until: str = "load",
    timeout_ms: float = 20_000,
) -> Iterator[PageSession]:
    """Open a page in headless Chromium with only local requests allowed.

    ``path_or_html`` is a file path, a ``file:``/``http://127.0.0.1`` URL, or an HTML
    string (written to a temporary file, so it loads from ``file:`` like a saved map).
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="geo-chromium-") as tmp:
        tmpdir = Path(tmp)
        url = _to_url(path_or_html, tmpdir)
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(tmpdir / "profile"),
                executable_path=str(CHROMIUM),
                headless=True,
                args=list(CHROMIUM_ARGS),
                viewport={"width": viewport[0], "height": viewport[1]},
                service_workers="block",
            )
            try:
                session = PageSession(page=None)

                def route(route: Any) -> None:
                    target = route.request.url
                    if is_local(target):
                        route.continue_()
                    else:
                        session.blocked.append(target)
                        route.abort("internetdisconnected")

                context.route("**/*", route)
                page = context.pages[0] if context.pages else context.new_page()
                session.page = page
                page.set_default_timeout(timeout_ms)
                page.on("request", lambda request: session.requests.append(request.url))
                page.on(
                    "console",
                    lambda msg: (
                        session.console_errors.append(msg.text) if msg.type == "error" else None
                    ),
                )
                page.on("pageerror", lambda exc: session.console_errors.append(f"pageerror: {exc}"))

                def on_dialog(dialog: Any) -> None:
                    session.dialogs.append(f"{dialog.type}: {dialog.message}")
                    dialog.dismiss()

                page.on("dialog", on_dialog)
                page.goto(url, wait_until=wait_until)
                yield session
            finally:
                context.close()


def _to_url(path_or_html: Path | str, tmpdir: Path) -> str:
    if isinstance(path_or_html, Path):
        return path_or_html.resolve().as_uri()
    text = path_or_html
    if text.lstrip().startswith("<"):
        page = tmpdir / "page.html"
        page.write_text(text, encoding="utf-8")
        return page.as_uri()
    if "://" in text or text.startswith(("about:", "data:")):
        return text
    return Path(text).resolve().as_uri()
