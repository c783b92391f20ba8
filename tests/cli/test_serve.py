"""``totalfact serve``: the app's page is served on this machine; serving to other
machines is refused unless sign-in is required, and then warned about."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.dovecot import free_port

#: Terminal control sequences (colours, cursor moves, modes) between the characters.
ESCAPES = re.compile(r"\x1b(\[[0-9;?$<>=]*[ -/]*[@-~]|\][^\x07]*\x07|[()][A-Z0-9]|[=>])")


async def _screen_text(port: int, seconds: float) -> str:
    """What the app running behind the page's websocket draws, as text."""
    import aiohttp

    raw = seen = ""
    url = f"ws://127.0.0.1:{port}/ws?width=140&height=40"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and "en agenda" not in seen:
            try:
                message = await socket.receive(timeout=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
            if message.type == aiohttp.WSMsgType.BINARY:
                raw += message.data.decode("utf-8", "replace")
                seen = ESCAPES.sub("", raw)
            elif message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                break
    return seen


def test_serves_the_app_on_this_machine(cli: object, sqlite_url: str, tmp_path: Path) -> None:
    import asyncio

    made = cli("--db", sqlite_url, "demo", "--no-tui", "--customers", "20", "--invoices", "300")  # type: ignore[operator]
    assert made.code == 0, made.err
    port = free_port()
    env = {**os.environ, "TOTALFACT_DATABASE_URL": sqlite_url}
    server = subprocess.Popen(
        [sys.executable, "-m", "totalfact_tui", "--user", "cperez", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                    page = answer.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert "TotalFact" in page, server.stderr.read() if server.poll() is not None else page
        # A browser tab: the page's websocket runs the app, which shows cperez's agenda.
        drawn = asyncio.run(_screen_text(port, 30))
        assert "en agenda" in drawn and "Pérez" in drawn, drawn[-2000:]
    finally:
        server.terminate()
        out, err = server.communicate(timeout=20)
    assert "http://127.0.0.1:" in out
    assert "Traceback" not in err


def test_serving_to_other_machines_needs_sign_in(cli: object, sqlite_url: str) -> None:
    every_address = "0.0.0.0"  # noqa: S104 - the point of the test
    refused = cli("--db", sqlite_url, "serve", "--host", every_address)  # type: ignore[operator]
    assert refused.code == 1
    assert "require_password" in refused.err
