"""Refresh the Russian catalogues: one per app that has a locale/ folder, one for the rest.

An app with its own ``locale/`` keeps the texts of its own folder there, so that apps can be
translated independently; ``dozor/locale`` holds the texts of everything else. With ``--check``
nothing is written: it lists texts missing from the catalogues and exits 1 if there are any.
Needs GNU gettext (xgettext, msgfmt).
"""

from __future__ import annotations

import argparse
import json
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


# One Django process runs makemessages (and compilemessages) in every catalogue's folder: each
# folder is the working directory in turn, as `django-admin makemessages` expects. -P keeps the
# folder off sys.path, so that an app's selectors.py never shadows the standard library's.
DRIVER = """
import json, os, sys, django
django.setup()
from django.core.management import call_command
language, compile_, folders = sys.argv[1], sys.argv[2] == "compile", json.loads(sys.argv[3])
for folder, ignored in folders:
    os.chdir(folder)
    call_command("makemessages", locale=[language], no_obsolete=True, no_location=True,
                 ignore_patterns=ignored, verbosity=0)
    if compile_:
        call_command("compilemessages", locale=[language], verbosity=0)
"""


def make_messages(package: Path, *, compile_: bool) -> None:
    apps = catalogue_folders(package)[:-1]
    folders = []
    for folder in catalogue_folders(package):
        ignored = [f"{app.name}/*" for app in apps] if folder == package else []
        (folder / "locale").mkdir(exist_ok=True)
        folders.append((str(folder), ignored))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    command = [sys.executable, "-P", "-c", DRIVER, LANGUAGE, "compile" if compile_ else "check"]
    subprocess.run(
        [*command, json.dumps(folders)], cwd=ROOT, env=env, check=True, capture_output=True
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
