"""The upload form of an import and the correction form of a quarantined row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.intake.mapping import Mapping, MappingError, mapping_parse
from dozor.intake.readers import REPLACE_ENCODING
from dozor.intake.uploads import upload_max_bytes
from dozor.records.models import SourceList

MAPPINGS_DIR = Path(__file__).parent / "mappings"
MAPPING_MAX_CHARS = 200_000

MSG_UPLOAD_TOO_LARGE = _("The file is larger than %(limit)s MB; import it with `dozor import`.")
MSG_MAPPING_NEEDED = _("Choose a shipped mapping or write one.")

# The encodings partners' files come in; `dozor import --encoding` takes any Python codec.
ENCODING_CHOICES = [
    ("", _("Detect it")),
    ("utf-8", "UTF-8"),
    (REPLACE_ENCODING, _("UTF-8, each bad byte shown as �")),
    ("cp1251", _("Windows Cyrillic (cp1251)")),
    ("koi8-r", "KOI8-R"),
    ("cp866", _("DOS Cyrillic (cp866)")),
    ("utf-16", "UTF-16"),
    ("cp1252", _("Windows Western (cp1252)")),
]


def shipped_mappings() -> dict[str, str]:
    """The mappings that come with Dozor, by file name."""
    return {
        path.name: path.read_text(encoding="utf-8") for path in sorted(MAPPINGS_DIR.glob("*.yaml"))
    }


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV, XLSX or JSON Lines)"))
    source_list = forms.ModelChoiceField(queryset=SourceList.objects.none(), label=_("Source list"))
    shipped_mapping = forms.ChoiceField(label=_("Mapping"), required=False)
    mapping_text = forms.CharField(
        label=_("…or your own mapping (YAML; it replaces the one chosen above)"),
        required=False,
        max_length=MAPPING_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
    )
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODING_CHOICES, required=False)

    def __init__(
        self, *args: Any, source_lists: Any, upload_refused: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # The upload handler left out a file over the limit; say so rather than "required".
        self.upload_refused = upload_refused
        self.fields["source_list"].queryset = source_lists  # type: ignore[attr-defined]
        self.fields["shipped_mapping"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (name, name) for name in shipped_mappings()
        ]
        self.mapping: Mapping | None = None

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > upload_max_bytes():
            raise forms.ValidationError(self._too_large())
        return upload

    @staticmethod
    def _too_large() -> str:
        return str(MSG_UPLOAD_TOO_LARGE) % {"limit": upload_max_bytes() >> 20}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.upload_refused:
            self.errors.pop("file", None)
            self.add_error("file", self._too_large())
        text = (data.get("mapping_text") or "").strip()
        name = "mapping"
        if not text and data.get("shipped_mapping"):
            name = data["shipped_mapping"]
            text = shipped_mappings().get(name, "")
        if not text:
            self.add_error("shipped_mapping", MSG_MAPPING_NEEDED)
            return data
        try:
            self.mapping = mapping_parse(text + "\n", name)
        except MappingError as error:
            self.add_error("mapping_text", str(error))
        return data


class EncodingForm(forms.Form):
    """Read an upload waiting for confirmation again, with another encoding."""

    encoding = forms.ChoiceField(
        label=_("Read the file as"), choices=ENCODING_CHOICES, required=False
    )


class CorrectionForm(forms.Form):
    """One text input per column of the quarantined row, filled with its cells."""

    def __init__(self, *args: Any, cells: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = list(cells)
        for position, (column, value) in enumerate(cells.items()):
            self.fields[f"cell_{position}"] = forms.CharField(
                label=column, required=False, initial=value, max_length=100_000, strip=False
            )

    def corrections(self) -> dict[str, str]:
        return {
            column: self.cleaned_data[f"cell_{position}"]
            for position, column in enumerate(self.columns)
            if not column.startswith("(extra ")
        }
