"""The upload form of an import and the correction form of a quarantined row."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.intake.mapping import Mapping, MappingError, mapping_parse
from dozor.intake.models import SAVED_MAPPING_NAME_MAX_LENGTH, SavedMapping
from dozor.intake.readers import REPLACE_ENCODING
from dozor.intake.saved_mappings import SAVED_CHOICE_PREFIX, saved_mapping_label
from dozor.intake.uploads import upload_max_bytes
from dozor.records.models import SourceList

MAPPINGS_DIR = Path(__file__).parent / "mappings"
MAPPING_MAX_CHARS = 200_000

MSG_UPLOAD_TOO_LARGE = _("The file is larger than %(limit)s MB; import it with `dozor import`.")
MSG_MAPPING_NEEDED = _("Choose a shipped mapping or write one.")
MSG_REMAP_MAPPING_NEEDED = _("Upload the corrected mapping, choose a shipped one or write it.")
MSG_MAPPING_FILE_NOT_TEXT = _("%(file)s: not a UTF-8 text file; a mapping is YAML text.")

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


class MappingForm(forms.Form):
    """The mapping of an import: one that comes with Dozor, or the user's own YAML. Bound by the
    import page and by the API's imports, so both choose and check a mapping alike."""

    shipped_mapping = forms.ChoiceField(label=_("Mapping"), required=False)
    mapping_text = forms.CharField(
        label=_("…or your own mapping (YAML; it replaces the one chosen above)"),
        required=False,
        max_length=MAPPING_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, saved: Sequence[SavedMapping] = (), **kwargs: Any) -> None:
        """``saved``: the organisation's saved mappings (their newest versions), offered before
        the shipped ones."""
        super().__init__(*args, **kwargs)
        self.saved = {f"{SAVED_CHOICE_PREFIX}{mapping.pk}": mapping for mapping in saved}
        choices: list[tuple[Any, Any]] = [("", "—")]
        if self.saved:
            choices.append(
                (
                    _("Your organisation's saved mappings"),
                    [(key, saved_mapping_label(mapping)) for key, mapping in self.saved.items()],
                )
            )
        choices.append((_("Shipped with Dozor"), [(name, name) for name in shipped_mappings()]))
        self.fields["shipped_mapping"].choices = choices  # type: ignore[attr-defined]
        self.mapping: Mapping | None = None
        self.mapping_name = "mapping"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = (data.get("mapping_text") or "").strip()
        name = "mapping"
        chosen = data.get("shipped_mapping") or ""
        if not text and chosen in self.saved:
            name = saved_mapping_label(self.saved[chosen])
            text = self.saved[chosen].text.strip()
        elif not text and chosen:
            name = chosen
            text = shipped_mappings().get(name, "")
        self.mapping_name = name
        if not text:
            if "shipped_mapping" not in self.errors:
                self.add_error("shipped_mapping", MSG_MAPPING_NEEDED)
            return data
        try:
            self.mapping = mapping_parse(text + "\n", name)
        except MappingError as error:
            self.add_error("mapping_text", str(error))
        return data


class ImportForm(MappingForm):
    file = forms.FileField(label=_("File (CSV, XLSX or JSON Lines)"))
    source_list = forms.ModelChoiceField(queryset=SourceList.objects.none(), label=_("Source list"))
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODING_CHOICES, required=False)

    field_order = ["file", "source_list", "shipped_mapping", "mapping_text", "encoding"]

    def __init__(
        self, *args: Any, source_lists: Any, upload_refused: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # The upload handler left out a file over the limit; say so rather than "required".
        self.upload_refused = upload_refused
        self.fields["source_list"].queryset = source_lists  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > upload_max_bytes():
            raise forms.ValidationError(self._too_large())
        return upload

    @staticmethod
    def _too_large() -> str:
        return str(MSG_UPLOAD_TOO_LARGE) % {"limit": upload_max_bytes() >> 20}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.upload_refused:
            self.errors.pop("file", None)
            self.add_error("file", self._too_large())
        return data


class SavedMappingForm(forms.Form):
    """A saved mapping's name and text. saved_mapping_save checks them as an import would."""

    name = forms.CharField(
        label=_("Name"),
        max_length=SAVED_MAPPING_NAME_MAX_LENGTH,
        help_text=_("Unique in your organisation, e.g. the partner whose files it reads."),
    )
    text = forms.CharField(
        label=_("Mapping (YAML)"),
        max_length=MAPPING_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 20, "spellcheck": "false"}),
    )


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


class RemapForm(forms.Form):
    """The corrected mapping for a re-read of a source list's stored rows: uploaded, shipped or
    written (an upload wins over the text, the text over a shipped mapping)."""

    mapping_file = forms.FileField(label=_("Corrected mapping (a YAML file)"), required=False)
    shipped_mapping = forms.ChoiceField(label=_("…or a shipped mapping"), required=False)
    mapping_text = forms.CharField(
        label=_("…or the mapping as text (YAML)"),
        required=False,
        max_length=MAPPING_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shipped_mapping"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (name, name) for name in shipped_mappings()
        ]
        self.mapping: Mapping | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("mapping_file")
        name, text = "mapping", (data.get("mapping_text") or "").strip()
        if upload is not None:
            if upload.size > MAPPING_MAX_CHARS * 4:
                self.add_error("mapping_file", self._too_large())
                return data
            name = Path(upload.name or "mapping.yaml").name
            try:
                text = b"".join(upload.chunks()).decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("mapping_file", str(MSG_MAPPING_FILE_NOT_TEXT) % {"file": name})
                return data
        elif not text and data.get("shipped_mapping"):
            name = data["shipped_mapping"]
            text = shipped_mappings().get(name, "")
        if not text.strip():
            self.add_error(None, MSG_REMAP_MAPPING_NEEDED)
            return data
        try:
            self.mapping = mapping_parse(text.rstrip("\n") + "\n", name)
        except MappingError as error:
            self.add_error("mapping_file" if upload is not None else "mapping_text", str(error))
        return data

    @staticmethod
    def _too_large() -> str:
        return str(_("A mapping is at most %(limit)s characters.")) % {"limit": MAPPING_MAX_CHARS}


class RemapConfirmForm(forms.Form):
    """The mapping of a previewed re-read, sent back as the preview showed it."""

    mapping_name = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    # Shown, read-only, so that what is confirmed is in sight; a text area keeps the lines.
    mapping_text = forms.CharField(
        label=_("The corrected mapping"),
        max_length=MAPPING_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 12, "readonly": True, "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mapping: Mapping | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = data.get("mapping_text")
        if text:
            try:
                self.mapping = mapping_parse(text, data.get("mapping_name") or "mapping")
            except MappingError as error:
                self.add_error("mapping_text", str(error))
        return data
