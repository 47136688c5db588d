"""An ensemble on disk: a manifest and one NetCDF file per finished chunk.

    DIR/manifest.json        the design, its digest, and each finished chunk's checksum
    DIR/chunks/<key>.nc      national series of one chunk (written atomically)

A chunk counts as finished only when its file exists and matches the checksum recorded
after it was written, so an ensemble killed at any point resumes without recomputing,
losing or duplicating finished runs, and a damaged chunk file is detected and redone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import numpy as np
import xarray as xr

from cartelsim.ensembles.design import Chunk, Design
from cartelsim.errors import CartelsimError
from cartelsim.io.atomic import write_atomically
from cartelsim.io.export import write_netcdf

MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class EnsembleStore:
    """The folder of one ensemble."""

    def __init__(self, folder: str | Path, design: Design, finished: dict[str, str]) -> None:
        self.folder = Path(folder)
        self.design = design
        self.finished = finished  # chunk key -> sha256 of its file
        self.reads = 0  # chunks loaded by `read`

    @classmethod
    def create(cls, folder: str | Path, design: Design, resume: bool) -> EnsembleStore:
        """A new store, or (with resume) the existing one if it holds the same design."""
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise CartelsimError(f"{folder}: is a file; an ensemble needs a folder")
        manifest = folder / MANIFEST
        if manifest.exists():
            if not resume:
                raise CartelsimError(f"{folder} already holds an ensemble; pass --resume to "
                                     "continue it or choose another folder")
            store = cls.open(folder)
            if store.design.digest() != design.digest():
                raise CartelsimError(f"{folder} holds a different ensemble (other scenarios, "
                                     "runs, samples, seed or parameters); cannot resume it")
            return store
        if folder.exists() and any(folder.iterdir()):
            raise CartelsimError(f"{folder} exists and is not empty; choose an empty folder")
        (folder / "chunks").mkdir(parents=True, exist_ok=True)
        store = cls(folder, design, {})
        store._save()
        return store

    @classmethod
    def open(cls, folder: str | Path) -> EnsembleStore:
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise CartelsimError(f"{folder}: is a file, not an ensemble folder")
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            raw = data["design"]
            design = Design(**{**raw, **{k: tuple(raw[k]) for k in
                                         ("scenarios", "scenario_digests", "parameters")},
                               "values": tuple(tuple(v) for v in raw["values"])})
            finished = dict(data["finished"])
        except FileNotFoundError:
            raise CartelsimError(f"{folder}: no ensemble here ({MANIFEST} missing)") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise CartelsimError(f"{folder / MANIFEST}: damaged manifest ({exc})") from None
        for leftover in (folder / "chunks").glob(".*.part"):  # a write killed half-way
            leftover.unlink(missing_ok=True)
        return cls(folder, design, finished)

    def _save(self) -> None:
        payload = {"design": asdict(self.design), "digest": self.design.digest(),
                   "finished": self.finished}
        write_atomically(self.folder / MANIFEST, lambda tmp: tmp.write_text(
            json.dumps(payload, indent=1), encoding="utf-8"))

    def path(self, chunk: Chunk) -> Path:
        return self.folder / "chunks" / f"{chunk.key}.nc"

    def is_done(self, chunk: Chunk) -> bool:
        """Finished and intact (checksum matches); a damaged file is forgotten."""
        expected = self.finished.get(chunk.key)
        path = self.path(chunk)
        if expected is None or not path.is_file():
            return False
        if _sha256(path) != expected:
            del self.finished[chunk.key]
            return False
        return True

    def pending(self) -> list[Chunk]:
        return [chunk for chunk in self.design.chunks() if not self.is_done(chunk)]

    def save_chunk(self, chunk: Chunk, ds: xr.Dataset) -> None:
        path = write_netcdf(ds, self.path(chunk))
        self.finished[chunk.key] = _sha256(path)
        self._save()

    def complete(self) -> bool:
        return not self.pending()

    def require_complete(self) -> None:
        if not self.complete():
            missing = len(self.pending())
            raise CartelsimError(f"{self.folder}: {missing} chunk(s) not finished; run the "
                                 "ensemble again with --resume before exporting")

    def read(self, chunk: Chunk) -> xr.Dataset:
        """Load one chunk into memory (counted, so tests can check what is read when)."""
        self.reads += 1
        return xr.load_dataset(self.path(chunk), engine="netcdf4")

    def blocks(self) -> Iterator[tuple[int, int, list[Chunk]]]:
        """Paired blocks in design order: (sample, first run, [the chunk of each scenario])
        for the same worlds; summaries read one block at a time."""
        by_world: dict[tuple[int, int], list[Chunk]] = {}
        for chunk in self.design.chunks():
            by_world.setdefault((chunk.sample, chunk.first_run), []).append(chunk)
        for (sample, first), chunks in sorted(by_world.items()):
            yield sample, first, sorted(chunks, key=lambda c: c.scenario)

    def scenario_names(self) -> list[str]:
        names = [Path(p).stem for p in self.design.scenarios]
        if len(set(names)) < len(names):  # same file name in different folders
            names = [f"{i}:{name}" for i, name in enumerate(names)]
        return names

    def common_attrs(self) -> dict:
        """Dataset attributes every chunk agrees on (what concat's drop_conflicts keeps),
        read from the file headers only."""
        merged: dict = {}
        dropped: set[str] = set()
        for chunk in self.design.chunks():
            with xr.open_dataset(self.path(chunk), engine="netcdf4") as ds:
                for key, value in ds.attrs.items():
                    if key in dropped:
                        continue
                    if key in merged and not _same_attr(merged[key], value):
                        dropped.add(key)
                        del merged[key]
                    elif key not in merged:
                        merged[key] = value
        return merged

    def ensemble_attrs(self) -> dict[str, str]:
        design = self.design
        return {"ensemble_digest": design.digest(), "ensemble_seed": str(design.seed),
                "ensemble_method": design.method, "ensemble_runs": str(design.runs)}

    def gather(self) -> xr.Dataset:
        """All chunks as one Dataset with dims (scenario, sample, run, time), in memory.

        For small ensembles and tests; `io.export.write_ensemble_netcdf` writes the same
        Dataset chunk by chunk without holding it.
        """
        self.require_complete()
        design = self.design
        per_scenario = []
        for s in range(len(design.scenarios)):
            per_sample = []
            for p in range(design.samples):
                parts = [xr.load_dataset(self.path(c), engine="netcdf4")
                         for c in design.chunks() if c.scenario == s and c.sample == p]
                per_sample.append(xr.concat(parts, dim="run", combine_attrs="drop_conflicts",
                                            data_vars="all"))
            per_scenario.append(xr.concat(per_sample, dim="sample", data_vars="all",
                                          combine_attrs="drop_conflicts"))
        ds = xr.concat(per_scenario, dim="scenario", combine_attrs="drop_conflicts",
                       data_vars="all")
        ds = ds.assign_coords(scenario=self.scenario_names(), sample=range(design.samples))
        for j, name in enumerate(design.parameters):
            ds[f"param_{name}"] = ("sample", [row[j] for row in design.values])
        ds.attrs.update(self.ensemble_attrs())
        return ds


def _same_attr(a: object, b: object) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except (TypeError, ValueError):  # pragma: no cover - attributes are plain values
        return a == b
