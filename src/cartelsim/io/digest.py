"""A checksum of a results file's numbers, so a damaged file is refused instead of read.

A flipped byte inside a NetCDF file can leave it perfectly readable with one wrong number in
it. Every results file therefore carries, in its attribute `content_sha256`, the SHA-256 of
its data variables as they read back (name, dtype, shape and values in C order), and
`load_results` recomputes it. Variables are hashed slice by slice along their leading axes,
so a file larger than memory can be checked too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping

import numpy as np
import xarray as xr

ATTRIBUTE = "content_sha256"


def _slices(var: xr.DataArray) -> Iterator[np.ndarray]:
    """The variable's values in C order, one slice of its leading axes at a time."""
    if var.ndim < 2:
        yield np.asarray(var.values)
        return
    lead = var.dims[: min(2, var.ndim - 1)]
    shape = [var.sizes[d] for d in lead]
    for index in np.ndindex(*shape):
        yield np.asarray(var.isel(dict(zip(lead, index, strict=True))).values)


def _update(sha: hashlib._Hash, values: np.ndarray) -> None:
    if values.dtype.kind in "OUS":
        for item in values.ravel():
            sha.update(str(item).encode("utf-8") + b"\x1f")
    else:
        sha.update(np.ascontiguousarray(values).tobytes())


def content_digest(variables: Mapping[str, xr.DataArray]) -> str:
    """SHA-256 (hex) of the given data variables, in name order."""
    sha = hashlib.sha256()
    for name in sorted(variables):
        var = variables[name]
        sha.update(f"{name}|{var.dtype.str}|{tuple(var.shape)}|".encode())
        for values in _slices(var):
            _update(sha, values)
    return sha.hexdigest()


def file_digest(path) -> str:
    """The content digest of a NetCDF file, read back the way `load_results` reads it."""
    with xr.open_dataset(path, engine="netcdf4") as ds:
        return content_digest(dict(ds.data_vars))


def stamp(path) -> None:
    """Write the file's content digest into its global attributes (the file is a temporary
    one that is moved into place afterwards)."""
    import netCDF4

    digest = file_digest(path)
    with netCDF4.Dataset(path, "a") as out:
        out.setncattr(ATTRIBUTE, digest)
