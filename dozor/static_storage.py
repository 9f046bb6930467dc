"""Static files with a hash of their content in their names, and plain names until collected."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]  # untyped
    """WhiteNoise's hashed and compressed storage that never fails a page for want of a manifest.

    `dozor serve` collects the files (``dozor.server.static_collect``) and writes the manifest that
    maps ``dozor/dozor.css`` to ``dozor/dozor.1a2b3c4d5e6f.css``; WhiteNoise serves such a name as
    immutable, cached for a year. A name missing from the manifest (nothing collected yet: the test
    suite, a command printing a dossier, gunicorn started without dozor/gunicorn_conf.py) keeps its
    plain URL, which WhiteNoise serves from the apps' folders with a short cache lifetime.
    """

    def stored_name(self, name: str) -> str:
        try:
            return str(super().stored_name(name))
        except ValueError:  # "Missing staticfiles manifest entry"
            return name
