"""A checksum of a results file's numbers, so a damaged file is refused instead of read.

A flipped byte inside a NetCDF file can leave it perfectly readable with one wrong number in
it. Every results file therefore carries, in its attribute `content_sha256`, the SHA-256 of
its data variables as they read back: for each variable in name order, the text
`name|dtype|shape|` and then its values in C order (numbers as raw bytes, text items as UTF-8
each followed by 0x1f). `load_results` recomputes it.

The digest is a function of that byte stream only, not of how it is cut into pieces, so it
is fed in slabs of at most `BLOCK_BYTES` (views of arrays in memory, reads of a file). Files
written by cartelsim 0.1.0, which fed one run x week slice at a time, carry the same digest
and still verify.

Writing does not re-read the file: a variable whose values read back bit for bit as they are
in memory (plain integers and floats, stored without packing or fill-value substitution) is
hashed from memory; any other (text, booleans, dates, packed numbers) is read back from the
file, which is cheap because such variables are small.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import xarray as xr

ATTRIBUTE = "content_sha256"
# Largest slab read from a file at once: big enough that the per-read overhead vanishes,
# small enough that checking a file needs little memory beyond it.
BLOCK_BYTES = 64 * 2**20
# Encoding keys under which stored values differ from the values in memory. (Units that
# name a time make xarray decode numbers as dates or durations; the dtype check catches
# those, and `_time_like` names them.)
_CHANGING = ("dtype", "scale_factor", "add_offset", "missing_value", "_Unsigned", "calendar")
_TIME_UNITS = ("days", "hours", "minutes", "seconds", "milliseconds", "microseconds",
               "nanoseconds")


def _blocks(var: xr.DataArray) -> Iterator[np.ndarray]:
    """The variable's values in C order, in slabs of its leading axis of at most
    BLOCK_BYTES (views, when the values are already in memory)."""
    if var.ndim == 0:
        yield np.asarray(var.values)
        return
    row = max(1, var.dtype.itemsize * int(np.prod(var.shape[1:], dtype=np.int64)))
    if row > BLOCK_BYTES and var.ndim > 1:  # a single row too large: cut it further
        for index in range(var.shape[0]):
            yield from _blocks(var[index])
        return
    step = max(1, BLOCK_BYTES // row)
    for first in range(0, var.shape[0], step):
        yield np.asarray(var[first:first + step].values)


def _update(sha: hashlib._Hash, values: np.ndarray) -> None:
    if values.dtype.kind in "OUS":
        for item in values.ravel():
            sha.update(str(item).encode("utf-8") + b"\x1f")
    else:
        # raw bytes without a copy when contiguous (the uint8 view also takes dates)
        sha.update(np.ascontiguousarray(values).view(np.uint8).data)


def _hash_variable(sha: hashlib._Hash, name: str, var: xr.DataArray) -> None:
    sha.update(f"{name}|{var.dtype.str}|{tuple(var.shape)}|".encode())
    for values in _blocks(var):
        _update(sha, values)


def content_digest(variables: Mapping[str, xr.DataArray]) -> str:
    """SHA-256 (hex) of the given data variables, in name order."""
    sha = hashlib.sha256()
    for name in sorted(variables):
        _hash_variable(sha, name, variables[name])
    return sha.hexdigest()


def file_digest(path: str | Path) -> str:
    """The content digest of a NetCDF file, read back the way `load_results` reads it."""
    with xr.open_dataset(path, engine="netcdf4") as ds:
        return content_digest(dict(ds.data_vars))


def reads_back_unchanged(var: xr.DataArray) -> bool:
    """Whether xarray writes this variable's values as they are and reads the same bits
    back (so its digest can be taken from memory)."""
    if var.dtype.kind not in "fiu":
        return False
    settings = {**var.attrs, **var.encoding}
    if any(key in settings for key in _CHANGING) or _time_like(settings.get("units")):
        return False
    fill = settings.get("_FillValue")  # a NaN fill (xarray's default for floats) changes nothing
    return fill is None or (var.dtype.kind == "f" and bool(np.isnan(fill)))


def _time_like(units: object) -> bool:
    if not isinstance(units, str):
        return False
    words = units.strip().lower().split()
    return bool(words) and (words[0] in _TIME_UNITS or "since" in words)


def written_digest(path: str | Path, ds: xr.Dataset) -> str:
    """The digest of the file at `path`, just written from `ds`, reading back from the file
    only the variables whose stored values may differ from those in memory."""
    sha = hashlib.sha256()
    with xr.open_dataset(path, engine="netcdf4") as back:
        for name in sorted(back.data_vars):
            source = ds.data_vars.get(name)
            same = (source is not None and reads_back_unchanged(source)
                    and source.dtype == back[name].dtype and source.shape == back[name].shape)
            _hash_variable(sha, str(name), source if same else back[name])
    return sha.hexdigest()


def stamp(path: str | Path, ds: xr.Dataset | None = None) -> None:
    """Write the file's content digest into its global attributes (the file is a temporary
    one that is moved into place afterwards). With `ds`, the Dataset the file was written
    from, variables that read back unchanged are hashed from memory."""
    import netCDF4

    digest = file_digest(path) if ds is None else written_digest(path, ds)
    with netCDF4.Dataset(path, "a") as out:
        out.setncattr(ATTRIBUTE, digest)
