"""Downloading BACRIM 2020 with pinned checksums, without ever touching the internet.

Downloads go to a throw-away HTTP server on 127.0.0.1 or to a closed port, never to GitHub.
"""

from __future__ import annotations

import hashlib
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import pytest

from cartelsim.errors import CartelsimError
from cartelsim.system import fetch
from cartelsim.system.bacrim import (
    ALL_FILES,
    NODES_FILE,
    RIVALS_FILE,
    TRENDS_FILE,
    load_bacrim,
)
from cartelsim.system.fetch import SHA256, fetch_bacrim, verify_bacrim

UNREACHABLE = "http://127.0.0.1:9/"  # the discard port: connection refused at once


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make sure requests talks to 127.0.0.1 directly even if a proxy is configured."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def copy_real(bacrim_dir: Path, dest: Path, names: tuple[str, ...] = ALL_FILES) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(bacrim_dir / name, dest / name)
    return dest


class Server:
    """A local static file server that records which files were requested."""

    def __init__(self, root: Path) -> None:
        requested: list[str] = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(root), **kwargs)

            def do_GET(self):  # the http.server API names it so
                requested.append(self.path.lstrip("/"))
                super().do_GET()

            def log_message(self, *args):  # keep test output quiet
                pass

        self.requested = requested
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def mirror(tmp_path: Path, bacrim_dir: Path) -> Iterator[Server]:
    """A local mirror serving the real files."""
    with Server(copy_real(bacrim_dir, tmp_path / "mirror")) as server:
        yield server


def test_checksums_pin_exactly_the_four_files():
    assert set(SHA256) == set(ALL_FILES) and len(SHA256) == 4
    for digest in SHA256.values():
        assert len(digest) == 64 and int(digest, 16) >= 0


def test_base_url_points_at_the_pinned_commit():
    assert fetch.BASE_URL == (
        "https://raw.githubusercontent.com/rafaelprietocuriel/Recruitment/"
        "a1db30caae9b83eb70472aa4d0b37c94383a52d8/"
    )


def test_real_files_match_the_pinned_checksums(bacrim_dir: Path):
    for name, digest in SHA256.items():
        assert hashlib.sha256((bacrim_dir / name).read_bytes()).hexdigest() == digest
    assert verify_bacrim(bacrim_dir) == []


def test_verify_reports_changed_and_missing_files(tmp_path: Path, bacrim_dir: Path):
    folder = copy_real(bacrim_dir, tmp_path / "copy")
    with (folder / RIVALS_FILE).open("ab") as f:
        f.write(b"E99999,N10001,ACME,N10002,Banda de El Perro,1\r\n")
    (folder / TRENDS_FILE).unlink()
    assert verify_bacrim(folder) == [RIVALS_FILE, TRENDS_FILE]
    assert verify_bacrim(tmp_path / "nowhere") == list(ALL_FILES)


def test_files_already_present_are_not_downloaded(
    tmp_path: Path, bacrim_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = copy_real(bacrim_dir, tmp_path / "present")
    before = {name: (folder / name).stat().st_mtime_ns for name in ALL_FILES}
    monkeypatch.setattr(fetch, "BASE_URL", UNREACHABLE)  # any download attempt would fail
    assert fetch_bacrim(folder) == folder
    assert {name: (folder / name).stat().st_mtime_ns for name in ALL_FILES} == before
    assert load_bacrim(folder).n_groups == 150


def test_offline_error_names_the_file_and_the_way_out(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(fetch, "BASE_URL", UNREACHABLE)
    dest = tmp_path / "empty"
    with pytest.raises(CartelsimError) as info:
        fetch_bacrim(dest)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"could not download {NODES_FILE}")
    assert str(dest) in message and "--data DIR" in message
    for name in ALL_FILES:
        assert name in message
    assert not any(dest.iterdir())  # nothing half-downloaded left behind


def test_downloads_only_what_is_missing(tmp_path: Path, bacrim_dir: Path, mirror: Server):
    dest = copy_real(bacrim_dir, tmp_path / "partial", names=(NODES_FILE, RIVALS_FILE))
    assert fetch_bacrim(dest, base_url=mirror.url) == dest
    assert sorted(mirror.requested) == sorted(set(ALL_FILES) - {NODES_FILE, RIVALS_FILE})
    assert verify_bacrim(dest) == []
    assert load_bacrim(dest).national_series.loc[2012, "homicides"] == 25967


def test_download_into_a_new_folder(tmp_path: Path, mirror: Server):
    dest = tmp_path / "a" / "b"
    assert fetch_bacrim(str(dest), base_url=mirror.url.rstrip("/")) == dest
    assert sorted(mirror.requested) == sorted(ALL_FILES)
    assert verify_bacrim(dest) == []


def test_a_corrupted_local_file_is_downloaded_again(
    tmp_path: Path, bacrim_dir: Path, mirror: Server
):
    dest = copy_real(bacrim_dir, tmp_path / "corrupt")
    (dest / TRENDS_FILE).write_text("YEAR,homicide,missings,arrests\n2012,1,1,1\n")
    fetch_bacrim(dest, base_url=mirror.url)
    assert mirror.requested == [TRENDS_FILE]
    assert verify_bacrim(dest) == []


def test_checksum_mismatch_is_an_error_naming_the_file(tmp_path: Path, bacrim_dir: Path):
    root = copy_real(bacrim_dir, tmp_path / "tampered")
    (root / RIVALS_FILE).write_bytes((root / RIVALS_FILE).read_bytes().replace(b",13\r", b",31\r"))
    dest = tmp_path / "dest"
    with Server(root) as server, pytest.raises(CartelsimError) as info:
        fetch_bacrim(dest, base_url=server.url)
    message = str(info.value)
    assert "\n" not in message
    assert RIVALS_FILE in message and "sha256" in message and SHA256[RIVALS_FILE] in message
    assert not (dest / RIVALS_FILE).exists()  # the bad download was not kept


def test_http_error_is_a_download_error(tmp_path: Path):
    empty_root = tmp_path / "empty_root"
    empty_root.mkdir()
    with Server(empty_root) as server, pytest.raises(CartelsimError, match="could not download"):
        fetch_bacrim(tmp_path / "dest", base_url=server.url)  # every file is a 404


def test_default_destination_is_the_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setattr(fetch.pooch, "os_cache", lambda project: tmp_path / "cache" / project)
    assert fetch.default_data_dir() == tmp_path / "cache" / "cartelsim" / "bacrim2020"
    monkeypatch.setattr(fetch, "BASE_URL", UNREACHABLE)
    with pytest.raises(CartelsimError, match="cache/cartelsim/bacrim2020"):
        fetch_bacrim()


def test_importing_fetch_downloads_nothing(tmp_path: Path):
    """No work at import time: a fresh interpreter imports the module without network."""
    import os
    import subprocess
    import sys

    import cartelsim

    src = str(Path(cartelsim.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    code = (
        "import socket\n"
        "def no_net(*a, **k): raise AssertionError('network used at import')\n"
        "socket.socket.connect = no_net\n"
        "import cartelsim.system.fetch\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env=env, timeout=60)
