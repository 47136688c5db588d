"""A disk that fills up while results are written: one line, exit code 2, nothing partial
under the output's name and no temporary left.

The failure is injected where the NetCDF library reports it: xarray's array wrapper, whose
write into a netCDF4 variable raised `RuntimeError: NetCDF: HDF error` on a full 3 MB tmpfs
(RELIABILITY.md records that check by hand), or an `OSError(ENOSPC)` as a plain file write
gives. The first writes succeed, so a half-written temporary exists when the error comes.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from xarray.backends import netCDF4_

from tests.reliability.support import assert_user_error, cli

SCENARIO = """name = "{name}"
[system]
groups = 20
[horizon]
start = 2026-01-01
weeks = 30
[run]
engine = "stochastic"
runs = 4
seed = 5
"""


def hdf_error() -> Exception:
    return RuntimeError("NetCDF: HDF error")


def no_space() -> Exception:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture(params=[hdf_error, no_space], ids=["hdf-error", "enospc"])
def disk_fills(request: pytest.FixtureRequest,
               monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """disk_fills(n): the n+1-th variable written into any NetCDF file fails."""
    original = netCDF4_.NetCDF4ArrayWrapper.__setitem__

    def arm(successes: int) -> None:
        left = [successes]

        def failing(self, key, value):  # type: ignore[no-untyped-def]
            if left[0] <= 0:
                raise request.param()
            left[0] -= 1
            return original(self, key, value)

        monkeypatch.setattr(netCDF4_.NetCDF4ArrayWrapper, "__setitem__", failing)

    return arm


def everything(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_run_on_a_full_disk(tmp_path: Path, disk_fills: Callable[[int], None]) -> None:
    (tmp_path / "s.toml").write_text(SCENARIO.format(name="s"), encoding="utf-8")
    disk_fills(5)
    line = assert_user_error(cli("run", "s.toml", "--quiet", "--out", "out/r.nc", cwd=tmp_path),
                             ["cannot write", "r.nc", "free in"])
    assert everything(tmp_path) == ["out", "s.toml"], line  # no .nc, .csv, .png or .part


def test_run_on_a_full_disk_keeps_the_earlier_result(tmp_path: Path,
                                                     disk_fills: Callable[[int], None]) -> None:
    (tmp_path / "s.toml").write_text(SCENARIO.format(name="s"), encoding="utf-8")
    assert cli("run", "s.toml", "--quiet", "--out", "r.nc", cwd=tmp_path).code == 0
    before = (tmp_path / "r.nc").read_bytes()
    disk_fills(3)
    assert_user_error(cli("run", "s.toml", "--quiet", "--seed", "9", "--out", "r.nc",
                          cwd=tmp_path), ["cannot write", "r.nc"])
    assert (tmp_path / "r.nc").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_compare_out_dir_on_a_full_disk(tmp_path: Path,
                                        disk_fills: Callable[[int], None]) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.toml").write_text(SCENARIO.format(name=name), encoding="utf-8")
    disk_fills(2)
    assert_user_error(cli("compare", "a.toml", "b.toml", "--quiet", "--horizons", "3",
                          "--out-dir", "cmp", cwd=tmp_path), ["cannot write", "a.nc"])
    assert everything(tmp_path / "cmp") == []


def test_ensemble_on_a_full_disk(tmp_path: Path, disk_fills: Callable[[int], None]) -> None:
    """Chunks finished before the disk filled stay (they are complete and resumable); the
    chunk being written leaves nothing."""
    (tmp_path / "a.toml").write_text(SCENARIO.format(name="a"), encoding="utf-8")
    disk_fills(40)  # a chunk file holds about 15 variables: the third chunk fails
    assert_user_error(cli("ensemble", "a.toml", "--out", "ens", "--runs", "8", "--chunk-runs",
                          "2", "--executor", "serial", cwd=tmp_path),
                      ["cannot write", "ens", ".nc"])
    chunks = everything(tmp_path / "ens" / "chunks")
    assert chunks and not [name for name in chunks if name.endswith(".part")]


def test_export_on_a_full_disk(tmp_path: Path, disk_fills: Callable[[int], None]) -> None:
    (tmp_path / "a.toml").write_text(SCENARIO.format(name="a"), encoding="utf-8")
    assert cli("ensemble", "a.toml", "--out", "ens", "--runs", "4", "--chunk-runs", "2",
               "--executor", "serial", cwd=tmp_path).code == 0
    disk_fills(1)
    assert_user_error(cli("export", "ens", "--out", "all.nc", cwd=tmp_path),
                      ["cannot write", "all.nc"])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("all.nc", ".all.nc"))]
