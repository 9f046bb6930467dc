"""The reviewer's form: the drafted fields, corrected and checked before they become a report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dozor.vocab.geography import russian_regions
from dozor.vocab.registry import vocabulary

MSG_DATE_NEEDED = _("Give the date, or choose precision “unknown”.")
MSG_NO_DATE_FOR_UNKNOWN = _("The precision is “unknown”, so leave the date empty.")
MSG_RANGE_END = _("A date range needs its last day, on or after the first.")
MSG_VICTIM_TOO_LONG = _("Line %(line)s: a name holds at most 300 characters.")
MSG_SEX = _("Line %(line)s: after “|” write male, female or unknown.")
VICTIM_NAME_MAX = 300


def _choices(name: str) -> list[tuple[str, str]]:
    language = get_language() or "en"
    return [(term.code, term.label(language)) for term in vocabulary(name).terms]


def _regions() -> list[tuple[str, str]]:
    language = get_language() or "en"
    return [("", "—")] + [(code, r.name(language)) for code, r in sorted(russian_regions().items())]


class DraftReviewForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    date = forms.DateField(label=_("Date"), required=False)
    date_end = forms.DateField(label=_("Last possible date"), required=False)
    date_precision = forms.ChoiceField(label=_("Date precision"))
    region = forms.ChoiceField(label=_("Region"), required=False)
    locality = forms.CharField(label=_("Locality"), max_length=200, required=False)
    incident_type = forms.ChoiceField(label=_("Incident type"))
    bias_motivations = forms.MultipleChoiceField(
        label=_("Bias motivations"), required=False, widget=forms.CheckboxSelectMultiple
    )
    defender_targeted = forms.BooleanField(
        label=_("A human-rights defender or organisation was targeted"), required=False
    )
    killed = forms.IntegerField(label=_("Killed"), min_value=0, max_value=10_000)
    injured = forms.IntegerField(label=_("Injured"), min_value=0, max_value=10_000)
    attempted = forms.BooleanField(
        label=_("An attempt: nobody died of it (attempted murder)"), required=False
    )
    victims = forms.CharField(
        label=_("Victims"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, in the nominative: name | male, female or unknown."),
        max_length=10_000,
    )
    perpetrators = forms.CharField(
        label=_("Perpetrators"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, in the nominative: name | male, female or unknown."),
        max_length=10_000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (
            ("date_precision", _choices("date_precision")),
            ("incident_type", _choices("incident_type")),
            ("bias_motivations", _choices("bias_motivation")),
            ("region", _regions()),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices

    @classmethod
    def initial_from(cls, fields: dict[str, Any]) -> dict[str, Any]:
        victims = _people_lines(fields.get("victims", []))
        return {
            "title": fields.get("title", ""),
            "date": fields.get("date"),
            "date_end": fields.get("date_end"),
            "date_precision": fields.get("date_precision") or "unknown",
            "region": fields.get("region") or "",
            "locality": fields.get("locality", ""),
            "incident_type": fields.get("incident_type") or "",
            "bias_motivations": fields.get("bias_motivations", []),
            "defender_targeted": fields.get("defender_targeted", False),
            "killed": fields.get("killed", 0),
            "injured": fields.get("injured", 0),
            "victims": victims,
            "perpetrators": _people_lines(fields.get("perpetrators", [])),
            "attempted": fields.get("attempted", False),
        }

    def clean_victims(self) -> list[dict[str, str]]:
        return _people(self.cleaned_data["victims"])

    def clean_perpetrators(self) -> list[dict[str, str]]:
        return _people(self.cleaned_data["perpetrators"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        precision, start, end = data.get("date_precision"), data.get("date"), data.get("date_end")
        if precision == "unknown" and (start or end):
            self.add_error("date", MSG_NO_DATE_FOR_UNKNOWN)
        elif precision and precision != "unknown" and not start:
            self.add_error("date", MSG_DATE_NEEDED)
        if precision == "range" and (not end or (start and end < start)):
            self.add_error("date_end", MSG_RANGE_END)
        return data

    def report_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "date": data["date"].isoformat() if data["date"] else None,
            "date_end": data["date_end"].isoformat() if data["date_end"] else None,
            "date_precision": data["date_precision"],
            "country": "RU",
            "region": data["region"] or None,
            "locality": data["locality"],
            "incident_type": data["incident_type"],
            "bias_motivations": list(data["bias_motivations"]),
            "defender_targeted": data["defender_targeted"],
            "killed": data["killed"],
            "injured": data["injured"],
            "victims": data["victims"],
            "perpetrators": data["perpetrators"],
            "attempted": data["attempted"],
        }


class RejectForm(forms.Form):
    note = forms.CharField(
        label=_("Why (optional)"), required=False, max_length=2000, widget=forms.Textarea
    )


def _people_lines(people: list[dict[str, Any]]) -> str:
    return "\n".join(f"{p['name']} | {p.get('sex', 'unknown')}" for p in people)


def _people(lines: str) -> list[dict[str, str]]:
    """One person a line, "name | sex"; blank lines skipped."""
    people = []
    for line, text in enumerate(lines.splitlines(), start=1):
        name, _bar, sex = (part.strip() for part in text.partition("|"))
        if not name:
            continue
        if len(name) > VICTIM_NAME_MAX:
            raise ValidationError(MSG_VICTIM_TOO_LONG, params={"line": line})
        sex = sex or "unknown"
        if sex not in vocabulary("sex"):
            raise ValidationError(MSG_SEX, params={"line": line})
        people.append({"name": name, "sex": sex})
    return people
