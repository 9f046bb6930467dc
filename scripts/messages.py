"""Refresh the Russian catalogues: one per app that has a locale/ folder, one for the rest.

An app with its own ``locale/`` keeps the texts of its own folder there, so that apps can be
translated independently; ``dozor/locale`` holds the texts of everything else. With ``--check``
nothing is written: it lists texts missing from the catalogues and exits 1 if there are any.
Needs GNU gettext (xgettext, msgfmt).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dozor"
LANGUAGE = "ru"


def catalogue_folders(package: Path) -> list[Path]:
    """Each app folder with its own locale/, then the package itself."""
    apps = sorted(p.parent for p in package.glob("*/locale") if p.is_dir())
    return [*apps, package]


def make_messages(package: Path, *, compile_: bool) -> None:
    apps = catalogue_folders(package)[:-1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    for folder in catalogue_folders(package):
        # -P: run from inside an app without its modules (selectors.py) shadowing the stdlib's.
        command = [sys.executable, "-P", "-m", "django", "makemessages", "-l", LANGUAGE]
        command += ["--no-obsolete", "--no-location"]
        if folder == package:
            for app in apps:
                command += ["--ignore", f"{app.name}/*"]
        (folder / "locale").mkdir(exist_ok=True)
        subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True)
        if compile_:
            subprocess.run(
                [sys.executable, "-P", "-m", "django", "compilemessages", "-l", LANGUAGE],
                cwd=folder,
                env=env,
                check=True,
                capture_output=True,
            )


def missing_texts() -> dict[str, list[str]]:
    """Texts in the code that the shipped catalogues lack, by catalogue."""
    import polib

    with tempfile.TemporaryDirectory() as temporary:
        copy = Path(temporary) / "dozor"
        shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
        make_messages(copy, compile_=False)
        missing = {}
        for folder in catalogue_folders(copy):
            relative = folder.relative_to(copy.parent)
            path = Path("locale", LANGUAGE, "LC_MESSAGES", "django.po")
            fresh = polib.pofile(str(folder / path))
            shipped_path = ROOT / relative / path
            shipped = (
                {e.msgid for e in polib.pofile(str(shipped_path))}
                if shipped_path.exists()
                else set()
            )
            absent = sorted(entry.msgid for entry in fresh if entry.msgid not in shipped)
            if absent:
                missing[str(relative)] = absent
        return missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report missing texts")
    arguments = parser.parse_args()
    if arguments.check:
        missing = missing_texts()
        for catalogue, texts in missing.items():
            print(f"{catalogue}: {len(texts)} text(s) missing, e.g. {texts[:3]}")
        return 1 if missing else 0
    make_messages(PACKAGE, compile_=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
