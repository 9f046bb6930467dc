"""Sources, reports, incidents, people and organisations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import NOTE_MAX_LENGTH, Organisation, Tracked
from dozor.records.custom_fields import CustomField, CustomValue  # noqa: F401 - models are found here
from dozor.records.indexes import PostgresOnlyIndex
from dozor.security.crypto import KeyRing
from dozor.security.fields import EncryptedJSONField, EncryptedTextField, exact_index
from dozor.security.search import Searchable, SearchIndex, SearchToken
from dozor.validators import (
    VocabularyValidator,
    validate_country,
    validate_region_of_country,
    vocabulary_field,
)
from dozor.vocab.registry import vocabulary

SUMMARY_MAX_LENGTH = 20_000

# What selectors.incidents_visible() filters on; the list's indexes end with them.
VISIBILITY_FIELDS = ["organisation", "confidentiality"]
# The list's filters on the incident's own columns (selectors.IncidentFilters), which each
# filter's index carries besides its own, with the visibility (list_index_include).
FILTER_FIELDS = ["country", "region", "incident_type", "verification_status", "defender_targeted"]


def list_index_include(field: str) -> list[str]:
    """What the list's index of one filter carries (INCLUDE, on PostgreSQL): the other
    filters' columns and the visibility's, so that a list narrowed by two filters or more is
    counted and paged from the index of one of them, its other filters tested on the index's
    entries: at a million incidents a region and a type read 21,000 rows of the table
    for their count (120 ms), where the region's index alone gives it in 41."""
    return [*(other for other in FILTER_FIELDS if other != field), *VISIBILITY_FIELDS]


MSG_DATE_END_BEFORE_START = _("The end of the date range is before its start.")
MSG_DATE_REQUIRED = _("Give the date (or the first day of the month or year it is known to).")
MSG_DATE_END_REQUIRED = _("A date range needs its last day too.")
MSG_DATE_FOR_UNKNOWN = _("The date precision is “unknown”, so leave the date empty.")
MSG_DATE_END_ONLY_FOR_RANGE = _("Only a date range has an end date; choose precision “range”.")
MSG_COORDINATES_PAIR = _("Give both latitude and longitude, or neither.")


def search_text(*parts: str) -> str:
    """What text search matches against: case-folded, with ё read as е, as Russian readers do."""
    return " ".join(part for part in parts if part).casefold().replace("ё", "е")


# Parsed fields of a report that identify nobody: kept readable beside the sealed fields so that
# reports can be filtered and counted without the key. Everything else (victims' names, titles,
# summaries, any key an import adds) is sealed.
REPORT_PUBLIC_FIELDS = (
    "date",
    "date_precision",
    "country",
    "region",
    "incident_type",
    "bias_motivations",
    "killed",
    "injured",
)


def report_facts(ring: KeyRing, fields: Any) -> dict[str, Any]:
    """The parsed fields anyone may read: those in REPORT_PUBLIC_FIELDS, and the number of the
    import that stored the report (``import_batch``), so that a list can show what one import
    made without opening every report."""
    if not isinstance(fields, dict):
        return {}
    facts = {key: fields[key] for key in REPORT_PUBLIC_FIELDS if key in fields}
    batch = report_import_batch(fields)
    if batch is not None:
        facts[IMPORT_BATCH_FACT] = batch
    return facts


# The key of report_facts() that holds the import's number (intake writes fields["_import"]).
IMPORT_BATCH_FACT = "import_batch"


def report_import_batch(fields: Any) -> int | None:
    """The number of the import that stored a report, from its parsed fields; None if none did."""
    origin = fields.get("_import") if isinstance(fields, dict) else None
    batch = origin.get("batch") if isinstance(origin, dict) else None
    if isinstance(batch, int) and not isinstance(batch, bool) and batch > 0:
        return batch
    return None


def report_victim_names(fields: Any) -> str:
    """Every word of every victim's name in a report's parsed fields: what its tokens hold."""
    victims = fields.get("victims") if isinstance(fields, dict) else None
    names = [
        str(victim.get("name") or "")
        for victim in victims or []
        if isinstance(victim, dict) and victim.get("name")
    ]
    return " ".join(names)


def import_batch_expression() -> Cast:
    """The import's number in Report.facts as SQL reads it: what the index holds and the import
    filter compares, so that the database can use the one for the other."""
    return Cast(KT(f"facts__{IMPORT_BATCH_FACT}"), models.PositiveIntegerField())


class SourceList(Tracked):
    """Where reports come from: an organisation's database, a press scan, police data."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = vocabulary_field("source_kind", _("kind"))
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="source_lists",
        verbose_name=_("owning organisation"),
    )
    reliability = vocabulary_field("source_reliability", _("reliability"), default="unknown")
    language = models.CharField(_("language"), max_length=8, default="ru")
    description = models.TextField(_("description"), blank=True, max_length=NOTE_MAX_LENGTH)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source list")
        verbose_name_plural = _("source lists")

    def __str__(self) -> str:
        return self.name


class Report(Searchable):
    """One record exactly as a source gave it. Never edited: a correction is a new revision."""

    source_list = models.ForeignKey(
        SourceList, on_delete=models.PROTECT, related_name="reports", verbose_name=_("source list")
    )
    external_id = models.CharField(_("identifier in the source"), max_length=200)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    # The source's record holds victims' names in whatever form the source wrote them: sealed whole.
    payload = EncryptedJSONField(_("record as received"))
    fields = EncryptedJSONField(
        _("parsed fields"),
        default=dict,
        blank=True,
        indexes={"facts": report_facts},
        # The victims' names, so that a search in an incident that hides its names can leave
        # out the incidents whose reports name the searched person.
        search=SearchIndex("records.ReportToken", text=report_victim_names),
    )
    facts = models.JSONField(_("parsed fields anyone may read"), default=dict, editable=False)
    received_on = models.DateField(_("received"))
    created_at = models.DateTimeField(_("stored"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("stored by"),
    )

    class Meta:
        ordering = ["source_list", "external_id", "revision"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["source_list", "external_id", "revision"], name="report_unique_revision"
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="report_revision_positive"),
        ]
        indexes = [
            # "The reports this import stored" (report_selectors.report_list): the import's
            # number among the readable facts, as a whole number on every database.
            models.Index(import_batch_expression(), name="report_import_batch_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source_list.name} #{self.external_id} (r{self.revision})"


class Incident(Searchable, Tracked):
    """The monitors' best account of one event, made from one or more reports."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("owning organisation"),
    )
    # Searched through indexes the database keeps (dozor.records.title_search): PostgreSQL's
    # generated column title_fts reads it, so a migration that changes its type (max_length too)
    # drops that column first and makes it again (records/0011_title_full_text_search), before
    # the triggers of the title words (records/0014_title_words_table) run again.
    title = models.CharField(_("title"), max_length=300)
    # Free text names victims and witnesses: sealed, with a blind index of its words and stems.
    summary = EncryptedTextField(
        _("summary"),
        blank=True,
        max_length=SUMMARY_MAX_LENGTH,
        search=SearchIndex("records.IncidentToken"),
    )
    summary_language = models.CharField(
        _("language of the summary"),
        max_length=2,
        choices=settings.LANGUAGES,
        default="ru",
    )
    date_start = models.DateField(_("date"), null=True, blank=True)
    date_end = models.DateField(_("last possible date"), null=True, blank=True)
    date_precision = vocabulary_field("date_precision", _("date precision"), default="day")
    country = models.CharField(
        _("country"), max_length=2, default="RU", validators=[validate_country]
    )
    region = models.CharField(_("region"), max_length=6, blank=True)
    locality = models.CharField(_("locality"), max_length=200, blank=True)
    location_precision = vocabulary_field(
        "location_precision", _("location precision"), default="locality"
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    incident_type = vocabulary_field("incident_type", _("incident type"))
    target_kind = vocabulary_field("target_kind", _("target"), default="people")
    killed = models.PositiveIntegerField(_("killed"), default=0)
    injured = models.PositiveIntegerField(_("injured"), default=0)
    verification_status = vocabulary_field(
        "verification_status", _("verification status"), default="unverified"
    )
    confidentiality = vocabulary_field(
        "confidentiality", _("confidentiality"), default="restricted"
    )
    defender_targeted = models.BooleanField(
        _("a human-rights defender or organisation was targeted"), default=False
    )
    target_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attacks",
        verbose_name=_("targeted organisation"),
    )
    # The title as search_text() folds them; written by the services with the fields. Titles
    # stay readable (they are what a locked list shows), so they must not name anyone.
    search_text = models.TextField(editable=False, default="")

    class Meta:
        ordering = ["-date_start", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.CheckConstraint(
                condition=Q(date_end__isnull=True)
                | Q(date_start__isnull=False, date_end__gte=models.F("date_start")),
                name="incident_date_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(date_precision="unknown", date_start__isnull=True)
                | (~Q(date_precision="unknown") & Q(date_start__isnull=False)),
                name="incident_date_matches_precision",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="incident_coordinates_valid",
            ),
        ]
        # Every list query carries the visibility condition (the user's organisation, or public),
        # and the list's paginator reads the ids of a page before its rows (records.paging). So
        # each filter's index holds the list's order after the filter, (-date_start, -id), and
        # the VISIBILITY_FIELDS (INCLUDE on PostgreSQL): the database then counts, skips to a
        # deep page and finds a page's ids from the index alone instead of reading the wide
        # rows (bench/list_incidents.py times this).
        indexes = [
            models.Index(fields=["date_start", "id", *VISIBILITY_FIELDS], name="incident_date_idx"),
            models.Index(fields=["organisation", "date_start"], name="incident_org_date_idx"),
            # The unfiltered count; with the id, also the count filtered by bias motivation.
            models.Index(
                fields=["confidentiality", "organisation", "id"], name="incident_visibility_idx"
            ),
            models.Index(
                fields=["region", "-date_start", "-id"],
                include=list_index_include("region"),
                name="incident_region_list_idx",
            ),
            models.Index(
                fields=["incident_type", "-date_start", "-id"],
                include=list_index_include("incident_type"),
                name="incident_type_list_idx",
            ),
            models.Index(
                fields=["verification_status", "-date_start", "-id"],
                include=list_index_include("verification_status"),
                name="incident_status_list_idx",
            ),
            models.Index(
                fields=["defender_targeted", "-date_start", "-id"],
                include=list_index_include("defender_targeted"),
                name="incident_defender_list_idx",
            ),
            # The "most killed" and "most injured" sorts, read backwards, and the reference sort.
            models.Index(
                fields=["killed", "injured", "date_start", "id"],
                include=VISIBILITY_FIELDS,
                name="incident_killed_list_idx",
            ),
            models.Index(
                fields=["injured", "killed", "date_start", "id"],
                include=VISIBILITY_FIELDS,
                name="incident_injured_list_idx",
            ),
            models.Index(
                fields=["reference"], include=VISIBILITY_FIELDS, name="incident_reference_list_idx"
            ),
            # Whether an incident found by id (a bias motivation's, a search's) is visible, and
            # its date, to put the found in the list's order: read from the index instead of
            # the wide row. Half the time of a count by bias; a title word in 2% of a million
            # incidents put in order in 90 ms, where without the date PostgreSQL chose to read
            # the whole list (200 ms).
            PostgresOnlyIndex(
                fields=["id"],
                include=[*VISIBILITY_FIELDS, "date_start"],
                name="incident_id_listed_idx",
            ),
            # Text search over titles has indexes of its own (dozor.records.title_search): on
            # PostgreSQL a GIN index on a generated column, on SQLite an FTS5 table.
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def odihr_group(self) -> str:
        return str(vocabulary("incident_type").term(self.incident_type).attributes["odihr_group"])

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if self.date_precision == "unknown":
            if self.date_start or self.date_end:
                errors.setdefault("date_start", []).append(MSG_DATE_FOR_UNKNOWN)
        elif self.date_precision:
            if not self.date_start:
                errors.setdefault("date_start", []).append(MSG_DATE_REQUIRED)
            if self.date_precision == "range" and not self.date_end:
                errors.setdefault("date_end", []).append(MSG_DATE_END_REQUIRED)
            if self.date_precision != "range" and self.date_end:
                errors.setdefault("date_end", []).append(MSG_DATE_END_ONLY_FOR_RANGE)
        if self.date_start and self.date_end and self.date_end < self.date_start:
            errors.setdefault("date_end", []).append(MSG_DATE_END_BEFORE_START)
        if self.region and self.country:
            try:
                validate_region_of_country(self.region, self.country)
            except ValidationError as error:
                errors.setdefault("region", []).extend(error.error_list)
        if (self.latitude is None) != (self.longitude is None):
            errors.setdefault("latitude", []).append(MSG_COORDINATES_PAIR)
        if errors:
            raise ValidationError(errors)


class IncidentBias(models.Model):
    """One bias motivation of an incident, with what made the monitors see it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="biases")
    motivation = vocabulary_field("bias_motivation", _("bias motivation"))
    indicators = models.JSONField(_("bias indicators"), default=list, blank=True)
    # Sealed: a coder's note often says who was attacked and by whom.
    note = EncryptedTextField(_("coder's note"), blank=True, max_length=NOTE_MAX_LENGTH)

    class Meta:
        ordering = ["incident", "id"]
        verbose_name = _("bias motivation")
        verbose_name_plural = _("bias motivations")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "motivation"], name="incident_bias_unique_motivation"
            )
        ]
        indexes = [models.Index(fields=["motivation", "incident"], name="bias_motivation_idx")]

    def __str__(self) -> str:
        return str(self.motivation)

    def clean(self) -> None:
        indicators = vocabulary("bias_indicator")
        if not isinstance(self.indicators, list):
            raise ValidationError({"indicators": _("Indicators must be a list of codes.")})
        # The incident's organisation's own indicators count beside the standard ones; they are
        # looked up only for a code the standard vocabulary lacks (imports clean many biases).
        local: frozenset[str] = frozenset()
        if any(code not in indicators for code in self.indicators) and (
            self.incident_id is not None or IncidentBias.incident.is_cached(self)
        ):
            local = LocalTerm.codes_of(self.incident.organisation_id, indicators.name)
        validator = VocabularyValidator(indicators.name)
        for code in self.indicators:
            if code in local:
                continue
            try:
                validator(code)
            except ValidationError as error:
                raise ValidationError({"indicators": error}) from None


class PersonInvolvement(Searchable, Tracked):
    """A victim, perpetrator or witness of one incident. The name is never used as a key."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="people")
    role = vocabulary_field("person_role", _("role"), default="victim")
    name = EncryptedTextField(
        _("name"),
        max_length=300,
        blank=True,
        indexes={"name_index": exact_index},
        search=SearchIndex("records.PersonToken"),
    )
    name_index = models.CharField(max_length=16, editable=False, default="", db_index=True)
    pseudonym = models.CharField(_("pseudonym"), max_length=100, blank=True)
    sex = vocabulary_field("sex", _("sex"), default="unknown")
    age = models.PositiveSmallIntegerField(
        _("age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    age_band = vocabulary_field("age_band", _("age band"), default="unknown")
    perceived_group = models.CharField(
        _("perceived group"),
        max_length=40,
        blank=True,
        validators=[VocabularyValidator("perceived_group")],
    )
    harm = vocabulary_field("harm", _("harm"), default="unknown")
    # Sealed: a named group, a congregation or a party can be enough to find a person.
    group_affiliation = EncryptedTextField(_("group affiliation"), max_length=300, blank=True)
    count = models.PositiveSmallIntegerField(
        _("number of people"), default=1, validators=[MinValueValidator(1)]
    )

    class Meta:
        ordering = ["incident", "role", "id"]
        verbose_name = _("person involved")
        verbose_name_plural = _("people involved")
        constraints = [
            models.CheckConstraint(condition=Q(age__lte=120), name="person_age_plausible"),
            models.CheckConstraint(condition=Q(count__gte=1), name="person_count_positive"),
        ]

    def __str__(self) -> str:
        return self.pseudonym or str(_("unnamed person"))


class LinkKind(models.TextChoices):
    """How a report joined its incident: a person linked it, or a person accepted the model's
    group (dozor link accept), which can be undone as a batch."""

    PERSON = "person", _("by a person")
    MODEL = "model", _("by the model, accepted")


class IncidentReport(models.Model):
    """A report is part of an incident: a reviewed, reversible link, never a merge."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="report_links")
    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="incident_link")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    linked_at = models.DateTimeField(_("linked"), auto_now_add=True)
    kind = models.CharField(
        _("how it joined"), max_length=10, choices=LinkKind.choices, default=LinkKind.PERSON
    )

    class Meta:
        ordering = ["incident", "linked_at"]
        verbose_name = _("report of an incident")
        verbose_name_plural = _("reports of incidents")

    def __str__(self) -> str:
        return f"{self.report_id} -> {self.incident_id}"


# The search tokens of the sealed fields (dozor.security.search): one row per record, field and
# keyed token. The primary key (field, token, record) is the B-tree a search looks words up in;
# (record, field) serves rewriting one record's tokens. Deleted with their record.


class IncidentToken(SearchToken):
    record = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+", db_index=False)
    pk = models.CompositePrimaryKey("field", "token", "record")

    class Meta:
        indexes = [models.Index(fields=["record", "field"], name="incident_token_record_idx")]


class IncidentTitleWord(models.Model):
    """A lexeme of an incident's title, on PostgreSQL (migration 0014; title_search): written
    by the database's own triggers from the title, never by Dozor, so no model of Dozor's
    manages it. Read only by title search, as a B-tree of lexemes in byte order."""

    lexeme = models.TextField()
    incident = models.ForeignKey(
        Incident, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    pk = models.CompositePrimaryKey("lexeme", "incident")

    class Meta:
        managed = False
        db_table = "records_incident_title_word"

    def __str__(self) -> str:
        return f"{self.lexeme} ({self.incident_id})"


class PersonToken(SearchToken):
    record = models.ForeignKey(
        PersonInvolvement, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    pk = models.CompositePrimaryKey("field", "token", "record")

    class Meta:
        indexes = [models.Index(fields=["record", "field"], name="person_token_record_idx")]


class ReportToken(SearchToken):
    record = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+", db_index=False)
    pk = models.CompositePrimaryKey("field", "token", "record")

    class Meta:
        indexes = [models.Index(fields=["record", "field"], name="report_token_record_idx")]


# An organisation's own terms take codes of their own, so that they never stand for a standard
# term, and every export and API answer shows which codes are local.
LOCAL_TERM_PREFIX = "local_"
LOCAL_TERM_CODE_MAX_LENGTH = 40
LOCAL_TERM_LABEL_MAX_LENGTH = 300


class LocalTerm(Tracked):
    """A term an organisation adds to a vocabulary beside the standard ones (a regional law's
    article, say): offered after the standard terms in its own forms, never replacing one, and
    unknown to every other organisation. Its code, which records keep, does not change."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="local_terms",
        verbose_name=_("organisation"),
    )
    vocabulary = models.CharField(_("vocabulary"), max_length=40)
    code = models.CharField(_("code"), max_length=LOCAL_TERM_CODE_MAX_LENGTH)
    label_en = models.CharField(_("label in English"), max_length=LOCAL_TERM_LABEL_MAX_LENGTH)
    label_ru = models.CharField(_("label in Russian"), max_length=LOCAL_TERM_LABEL_MAX_LENGTH)
    # The standard term it rolls up to (SKOS "broader"): counts and the ODIHR submission read
    # this code in its place, so they speak the standard vocabulary.
    broader = models.CharField(_("broader standard term"), max_length=40, blank=True)
    hate_motive = models.BooleanField(
        _("carries the motive of hatred or enmity"),
        default=False,
        help_text=_(
            "Legal articles only: the case status and the counts read it as a hate article."
        ),
    )

    class Meta:
        ordering = ["organisation", "vocabulary", "code"]
        verbose_name = _("local term")
        verbose_name_plural = _("local terms")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "vocabulary", "code"], name="local_term_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def label(self, language: str = "en") -> str:
        return self.label_ru if language[:2] == "ru" else self.label_en

    @classmethod
    def codes_of(cls, organisation_id: int | None, vocabulary_name: str) -> frozenset[str]:
        """One organisation's own codes of a vocabulary; none without an organisation."""
        if organisation_id is None:
            return frozenset()
        return frozenset(
            cls.objects.filter(
                organisation_id=organisation_id, vocabulary=vocabulary_name
            ).values_list("code", flat=True)
        )
