"""Download BACRIM 2020 on demand, pinned to one upstream commit and sha256 checksums.

The data are public but not ours to ship (DESIGN.md §5), so cartelsim fetches them from the
authors' repository the first time they are needed and checks every byte against the
checksums below. A file already present with the right checksum is never downloaded again,
and a user without network can copy the files into a folder and check it with
`verify_bacrim`. Nothing is downloaded at import time.
"""

from __future__ import annotations

from pathlib import Path

import pooch

from cartelsim.errors import CartelsimError
from cartelsim.system.bacrim import (
    ALLIANCES_FILE,
    NODES_FILE,
    RIVALS_FILE,
    TRENDS_FILE,
    UPSTREAM_COMMIT,
    UPSTREAM_REPO,
)

BASE_URL = f"https://raw.githubusercontent.com/{UPSTREAM_REPO}/{UPSTREAM_COMMIT}/"

# sha256 of each file at UPSTREAM_COMMIT (see ../shared/data/bacrim2020/README.md).
SHA256: dict[str, str] = {
    NODES_FILE: "c7414657755a57f1e088ca13b7e5aadee8eb778be84f91c62b24a49de5e32870",
    ALLIANCES_FILE: "6b5e4d5bd433b4acafead4ca0471416a9ee4a509d440ecb6f75e2040078e8749",
    RIVALS_FILE: "d29b51304b267f649996f0749a8904558b1aea45667f35d6ea47dbcea40f02a9",
    TRENDS_FILE: "51eb58b2d8c71958fd71fec7ef0f35d5f915fa13a088c408110a41dd560307a7",
}

DOWNLOAD_TIMEOUT_S = 30


def default_data_dir() -> Path:
    """Where `fetch_bacrim` keeps the files by default: the user cache, ``.../bacrim2020``."""
    return Path(pooch.os_cache("cartelsim")) / "bacrim2020"


def fetch_bacrim(dest: str | Path | None = None, *, base_url: str | None = None) -> Path:
    """Make sure the four BACRIM 2020 files are in `dest` and return that folder.

    Args:
        dest: folder for the files; default `default_data_dir()`. Created if needed.
        base_url: where to download from (a mirror; a trailing "/" is added); default `BASE_URL`,
            the authors' repository at the pinned commit.

    Files already present with the pinned sha256 are kept as they are (no network needed);
    the others are downloaded and checked.

    Raises:
        CartelsimError: a download failed (no network, HTTP error) or a downloaded file does
            not match its pinned checksum, or `dest` cannot be written.
    """
    folder = Path(dest) if dest is not None else default_data_dir()
    url_base = base_url if base_url is not None else BASE_URL
    if not url_base.endswith("/"):
        url_base += "/"
    import requests  # pooch downloads with requests; its errors mean a network failure

    downloader = pooch.HTTPDownloader(progressbar=False, timeout=DOWNLOAD_TIMEOUT_S)
    for name, digest in SHA256.items():
        try:
            pooch.retrieve(
                url=url_base + name,
                known_hash=f"sha256:{digest}",
                fname=name,
                path=folder,
                downloader=downloader,
            )
        except requests.exceptions.RequestException as exc:
            raise CartelsimError(
                f"could not download {name} from {url_base} ({type(exc).__name__}); "
                f"without network, copy the four files ({', '.join(SHA256)}) into {folder} "
                "yourself or pass --data DIR"
            ) from None
        except ValueError:
            raise CartelsimError(
                f"downloaded {name} does not match its pinned sha256 {digest}; the upstream "
                "file changed or the download was corrupted (nothing was saved)"
            ) from None
        except OSError as exc:
            raise CartelsimError(
                f"cannot write {name} into {folder}: {exc.strerror or exc}"
            ) from None
    return folder


def verify_bacrim(path: str | Path) -> list[str]:
    """Names of the BACRIM 2020 files in folder `path` that are missing or fail their sha256.

    An empty list means the folder holds exactly the pinned data. Only reads, never downloads.
    """
    folder = Path(path)
    bad: list[str] = []
    for name, digest in SHA256.items():
        file = folder / name
        if not file.is_file() or pooch.file_hash(str(file), alg="sha256") != digest:
            bad.append(name)
    return bad
