"""Install axe-core, the accessibility checker the browser tests run in each page.

The browser tests never download anything: `make` runs this when it installs the development
dependencies. It fetches one pinned release of the npm package from the npm registry, checks the
tarball against the registry's published SHA-512 integrity, and keeps the package's `axe.min.js`
and licence (MPL-2.0) in the virtualenv, at `share/axe-core/`. To move to a newer release, change
VERSION and INTEGRITY to the registry's values:

    curl -s https://registry.npmjs.org/axe-core/latest | python3 -m json.tool \
        | grep -E '"version"|"integrity"'

Usage: python scripts/axe_core.py [--into FOLDER]   (default: <virtualenv>/share/axe-core)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.14.1"
INTEGRITY = (
    "sha512-"
    "FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
)
TARBALL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
# What the tests read, as it is in the package, and the licence that travels with it.
MEMBERS = {"package/axe.min.js": "axe.min.js", "package/LICENSE": "LICENSE"}
TIMEOUT_S = 60


def default_folder() -> Path:
    return Path(sys.prefix) / "share" / "axe-core"


def integrity_check(data: bytes) -> None:
    algorithm, _, expected = INTEGRITY.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if digest != expected:
        raise SystemExit(
            f"axe-core {VERSION}: the tarball from {TARBALL} does not match its pinned "
            f"integrity ({algorithm} {digest} instead of {expected}); nothing was installed."
        )


def install(folder: Path) -> Path:
    """Fetch, check and unpack the pinned release into the folder; returns axe.min.js's path."""
    marker = folder / "VERSION"
    script = folder / "axe.min.js"
    if script.is_file() and marker.is_file() and marker.read_text().strip() == VERSION:
        return script
    with urllib.request.urlopen(TARBALL, timeout=TIMEOUT_S) as response:
        data = response.read()
    integrity_check(data)
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member, name in MEMBERS.items():
            extracted = archive.extractfile(member)
            if extracted is None:
                raise SystemExit(f"axe-core {VERSION}: the package has no {member}.")
            (folder / name).write_bytes(extracted.read())
    marker.write_text(VERSION + "\n")
    return script


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--into", type=Path, default=default_folder(), help="the folder to install into"
    )
    args = parser.parse_args(argv)
    print(f"axe-core {VERSION}: {install(args.into)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
