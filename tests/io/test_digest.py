"""The results checksum: computed in large blocks (or from memory while writing), the same
digest as cartelsim 0.1.0's one-slice-at-a-time definition, and still refusing damage."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from cartelsim.errors import CartelsimError
from cartelsim.io import digest
from cartelsim.io.digest import ATTRIBUTE, content_digest, file_digest
from cartelsim.io.export import load_results, write_netcdf

OLD_FILE = Path(__file__).resolve().parents[1] / "data" / "written-by-0.1.0.nc"


def digest_0_1_0(variables: dict[str, xr.DataArray]) -> str:
    """The definition as cartelsim 0.1.0 computed it: one slice of the two leading axes at a
    time (one run x week), values in C order, text items UTF-8 plus 0x1f."""
    sha = hashlib.sha256()
    for name in sorted(variables):
        var = variables[name]
        sha.update(f"{name}|{var.dtype.str}|{tuple(var.shape)}|".encode())
        if var.ndim < 2:
            pieces = [np.asarray(var.values)]
        else:
            lead = var.dims[: min(2, var.ndim - 1)]
            pieces = (np.asarray(var.isel(dict(zip(lead, index, strict=True))).values)
                      for index in np.ndindex(*[var.sizes[d] for d in lead]))
        for values in pieces:
            if values.dtype.kind in "OUS":
                for item in values.ravel():
                    sha.update(str(item).encode("utf-8") + b"\x1f")
            else:
                sha.update(np.ascontiguousarray(values).tobytes())
    return sha.hexdigest()


def mixed_dataset(rng: np.random.Generator, runs: int = 6, weeks: int = 9,
                  groups: int = 5) -> xr.Dataset:
    """Results-shaped data with every kind a results file holds, and some it might."""
    shape = (runs, weeks, groups)
    members = rng.normal(100, 30, shape)
    members[0, 0, :] = np.nan
    members[1, 2, 3] = -np.nan  # NaN with the sign bit set, as 0 * inf gives
    ds = xr.Dataset(
        {
            "members": (("run", "time", "group"), members, {"units": "members"}),
            "total": (("run", "time"), members.sum(axis=2)),
            "active": (("run", "time"), rng.integers(0, 5, shape[:2])),
            "status": ("run", np.zeros(runs, dtype=np.int64)),
            "ratio32": (("run", "time"), rng.random(shape[:2]).astype(np.float32)),
            "flag": ("group", rng.random(groups) < 0.5),
            "label": ("group", np.array([f"g{i}-ñ" for i in range(groups)])),
            "when": ("run", np.datetime64("2026-01-01", "ns") + np.arange(runs).astype(
                "timedelta64[D]")),
            "delay": (("run", "time"), rng.random(shape[:2]) * 7, {"units": "days"}),
            "scalar": ((), 3.5),
        },
        coords={"run": np.arange(runs), "time": np.arange(weeks), "group": [
            f"G{i}" for i in range(groups)]},
        attrs={"cartelsim_version": "test"},
    )
    return ds


def test_a_file_written_by_the_previous_release_still_verifies() -> None:
    """tests/data/written-by-0.1.0.nc was written by `cartelsim run` at commit 3eef51f (the
    scenario beside it); its checksum, taken slice by slice, verifies with the block digest."""
    back = load_results(OLD_FILE)
    with xr.open_dataset(OLD_FILE, engine="netcdf4") as raw:
        stored = raw.attrs[ATTRIBUTE]
        assert file_digest(OLD_FILE) == stored == digest_0_1_0(dict(raw.data_vars))
    assert back.sizes["run"] == 3 and back.sizes["group"] == 20


def test_a_flipped_byte_in_the_previous_releases_file_is_refused(tmp_path: Path) -> None:
    original = load_results(OLD_FILE)
    raw = bytearray(OLD_FILE.read_bytes())
    value = np.array([original["total_members"].values[1, 4]]).tobytes()
    at = bytes(raw).find(value)
    assert at > 0
    raw[at + 2] ^= 0x01
    (tmp_path / "flipped.nc").write_bytes(bytes(raw))
    with pytest.raises(CartelsimError, match=r"flipped\.nc: results file is damaged"):
        load_results(tmp_path / "flipped.nc")


@pytest.mark.parametrize("block", [8, 100, 1000, 64 * 2**20])
def test_the_digest_does_not_depend_on_the_block_size(tmp_path: Path, block: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """From memory or from a file, in blocks smaller than one row or larger than the whole
    variable: always the 0.1.0 digest."""
    ds = mixed_dataset(np.random.default_rng(block))
    path = write_netcdf(ds, tmp_path / "r.nc")
    monkeypatch.setattr(digest, "BLOCK_BYTES", block)
    with xr.open_dataset(path, engine="netcdf4") as raw:
        expected = digest_0_1_0(dict(raw.data_vars))
        assert raw.attrs[ATTRIBUTE] == expected
        assert content_digest(dict(raw.data_vars)) == expected  # lazily read, in blocks
    assert file_digest(path) == expected
    assert content_digest(dict(load_results(path).data_vars)) == expected  # in memory


def test_a_file_is_checked_in_a_few_large_reads(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """0.1.0 hashed one run x week slice at a time: 156,000 reads per variable for 300 runs
    of 520 weeks, about ten minutes for one `cartelsim run`. Now each variable under
    BLOCK_BYTES is one read."""
    ds = mixed_dataset(np.random.default_rng(1), runs=40, weeks=30, groups=7)
    path = write_netcdf(ds, tmp_path / "r.nc")
    pieces: list[int] = []
    original = digest._update
    monkeypatch.setattr(digest, "_update", lambda sha, values: (pieces.append(values.size),
                                                                 original(sha, values)))
    file_digest(path)
    assert len(pieces) == len(ds.data_vars)  # was 40 x 30 for `members` alone
    assert sum(pieces) == sum(var.size for var in ds.data_vars.values())


@settings(max_examples=40, deadline=None)
@given(raw=st.binary(min_size=8 * 24, max_size=8 * 24),
       kind=st.sampled_from(["<f8", "<f4", "<i8", "<i4", "|u1"]))
def test_the_checksum_taken_while_writing_equals_the_file_read_back(
        tmp_path_factory: pytest.TempPathFactory, raw: bytes, kind: str) -> None:
    """Any bit pattern (NaN payloads, negative NaN, infinities, denormals): the digest written
    from memory is the digest of what the file reads back."""
    values = np.frombuffer(raw, dtype=kind)[:24].reshape(2, 3, -1)
    ds = xr.Dataset({"x": (("run", "time", "group"), values),
                     "y": (("run", "time"), values.reshape(2, 3, -1)[:, :, 0].copy())},
                    attrs={"cartelsim_version": "test"})
    path = write_netcdf(ds, tmp_path_factory.mktemp("w") / "r.nc")
    with xr.open_dataset(path, engine="netcdf4") as back:
        assert back.attrs[ATTRIBUTE] == digest_0_1_0(dict(back.data_vars))
        np.testing.assert_array_equal(back["x"].values.view(np.uint8), values.view(np.uint8))


def test_variables_that_change_on_the_way_to_disk_are_hashed_from_the_file(
        tmp_path: Path) -> None:
    """Packed numbers, non-NaN fill values, booleans, text and dates read back other than they
    are in memory; their digest must be that of the file."""
    ds = mixed_dataset(np.random.default_rng(5))
    ds["packed"] = ("run", np.linspace(0, 1, ds.sizes["run"]) + 1e-5)
    ds["packed"].encoding.update(dtype="int16", scale_factor=0.001, _FillValue=-32768)
    ds["filled"] = ("run", np.array([1.0, np.nan, 3.0, -np.nan, 5.0, 6.0]))
    ds["filled"].encoding["_FillValue"] = -999.0
    path = write_netcdf(ds, tmp_path / "r.nc")
    with xr.open_dataset(path, engine="netcdf4") as back:
        assert back.attrs[ATTRIBUTE] == digest_0_1_0(dict(back.data_vars))
        assert back["packed"].values[1] != ds["packed"].values[1]  # packing changed it
    load_results(path)


def test_a_flipped_byte_in_a_multi_block_variable_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An uncompressed integer variable read in many blocks: one changed value is found."""
    monkeypatch.setattr(digest, "BLOCK_BYTES", 4096)
    ds = mixed_dataset(np.random.default_rng(2), runs=30, weeks=40)
    ds["big_counts"] = (("run", "time", "group"),
                        np.arange(30 * 40 * 5, dtype=np.int64).reshape(30, 40, 5) * 7919)
    path = write_netcdf(ds, tmp_path / "r.nc")
    load_results(path)
    raw = bytearray(path.read_bytes())
    at = bytes(raw).find(np.int64(20 * 40 * 5 * 7919 + 3 * 7919).tobytes())
    assert at > 0
    raw[at] ^= 0x04
    damaged = tmp_path / "damaged.nc"
    damaged.write_bytes(bytes(raw))
    with pytest.raises(CartelsimError, match=r"damaged\.nc: results file is damaged"):
        load_results(damaged)
    shutil.copyfile(path, tmp_path / "intact.nc")
    load_results(tmp_path / "intact.nc")
