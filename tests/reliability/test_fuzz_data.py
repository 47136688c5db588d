"""Mutated data files (BACRIM and embedded format) load as a valid System or fail with a
one-line DataFileError/CartelsimError that names the file; never another exception.

Each example starts from the valid synthetic folder in corpus/ and applies a few random edits
to one file: cells replaced by odd numbers or text, lines dropped, repeated or cut, bytes
inserted, a delimiter changed, a byte-order mark or CRLF line ends added. A folder that loads
must give a well-formed world: symmetric, finite, non-negative weights, no self-loops.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from cartelsim.errors import CartelsimError

from .conftest import FUZZ
from .support import BACRIM_NAMES, CORPUS, record, valid_world

BACRIM_FILES = tuple(BACRIM_NAMES.values())
STORED_NAME = {loader: stored for stored, loader in BACRIM_NAMES.items()}
EMBEDDED_FILES = ("major_groups.csv", "relations.csv", "states.csv", "national_series.csv")
ODD_CELLS = st.one_of(
    st.sampled_from(["", " ", "nan", "NaN", "inf", "-inf", "-1", "0", "1e308", "1e-320", "1,5",
                     "N90001", "N99999", "cjng", "umb", "01", "33", "yes", "no", '"', '""',
                     "\ufeff", "2013", "99999", "ñ", "N90001 "]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**20, 10**20).map(str),
    st.text(max_size=6),
)
_counts = {"examples": 0, "loaded": 0, "refused": 0}
_clock: dict[str, float] = {}


@st.composite
def mutation(draw, text: bytes) -> bytes:
    lines = text.split(b"\n")
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["cell", "cell", "cell", "drop", "repeat", "cut", "bytes",
                                     "delimiter", "bom", "crlf", "blank"]))
        k = draw(st.integers(0, max(len(lines) - 1, 0)))
        if kind == "cell" and lines[k]:
            cells = lines[k].split(b",")
            cells[draw(st.integers(0, len(cells) - 1))] = draw(ODD_CELLS).encode("utf-8")
            lines[k] = b",".join(cells)
        elif kind == "drop":
            del lines[k:k + 1]
        elif kind == "repeat":
            lines[k:k + 1] = [lines[k]] * 2
        elif kind == "cut":
            joined = b"\n".join(lines)
            lines = joined[:draw(st.integers(0, len(joined)))].split(b"\n")
        elif kind == "bytes":
            lines[k] += draw(st.binary(min_size=1, max_size=4))
        elif kind == "delimiter":
            lines[k] = lines[k].replace(b",", draw(st.sampled_from([b";", b"\t", b"|"])))
        elif kind == "bom":
            lines[0] = b"\xef\xbb\xbf" + lines[0]
        elif kind == "crlf":
            lines = [line + b"\r" for line in lines]
        elif kind == "blank":
            lines.insert(k, b"")
        if not lines:
            lines = [b""]
    return b"\n".join(lines)


@st.composite
def mutated_folder(draw) -> tuple[str, str, bytes]:
    fmt = draw(st.sampled_from(["bacrim", "embedded"]))
    name = draw(st.sampled_from(BACRIM_FILES if fmt == "bacrim" else EMBEDDED_FILES))
    original = (CORPUS / fmt / "valid" / STORED_NAME.get(name, name)).read_bytes()
    return fmt, name, draw(mutation(original))


def check_world(system) -> None:
    for matrix in (system.rivalry, system.alliance):
        assert np.isfinite(matrix.data).all() and (matrix.data >= 0).all()
        assert abs(matrix - matrix.T).max() == 0 if matrix.nnz else True
        assert not matrix.diagonal().any()
    assert len(set(system.group_ids)) == system.n_groups
    if system.size_hint is not None:
        assert np.isfinite(system.size_hint).all() and (system.size_hint >= 0).all()


@FUZZ
@given(mutated_folder())
@example(("bacrim", "BACRIM2020_Nodes.csv",  # a quote opened in the header ate the file,
          b'Node,"Group,State,ShortName\nN90001,a,b,c\n'))  # newlines and all, into the message
def test_mutated_data_files(tmp_path_factory, case: tuple[str, str, bytes]) -> None:
    from cartelsim.system.bacrim import load_bacrim
    from cartelsim.system.embedded import load_embedded

    fmt, name, content = case
    folder = Path(tmp_path_factory.mktemp(fmt))
    valid_world(fmt, folder)
    (folder / name).write_bytes(content)
    _clock.setdefault("first", time.monotonic())
    _counts["examples"] += 1
    try:
        system = load_bacrim(folder) if fmt == "bacrim" else load_embedded(folder, n_groups=8)
    except CartelsimError as exc:
        _counts["refused"] += 1
        message = str(exc)
        assert "\n" not in message and "\r" not in message, repr(message)
        assert str(folder) in message, f"the message does not name the file: {message!r}"
        return
    _counts["loaded"] += 1
    check_world(system)


def test_zz_record_data_fuzzing() -> None:
    """Records the counts (for RELIABILITY.md) and checks that every example either loaded
    or was refused with a one-line error: no third outcome."""
    seconds = time.monotonic() - _clock.get("first", time.monotonic())
    record("fuzz_data", **_counts, seconds=round(seconds, 1))
    assert _counts["loaded"] + _counts["refused"] == _counts["examples"]
