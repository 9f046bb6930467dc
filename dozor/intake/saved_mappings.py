"""The mappings an organisation keeps for its imports: saved in versions by its administrators,
chosen on the import page by its documenters.

A version is checked as `dozor import --mapping FILE` checks a mapping (mapping_parse) before it
is kept, so a saved mapping always reads; saving again adds the next version and never changes
one an import has used.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import Organisation, User
from dozor.accounts.policy import require
from dozor.audit import services as audit
from dozor.intake.mapping import MappingError, mapping_parse
from dozor.intake.models import SAVED_MAPPING_NAME_MAX_LENGTH, SavedMapping

MSG_MAPPING_NAME_BLANK = _("Give the mapping a name, e.g. the partner whose files it reads.")
MSG_MAPPING_NAME_LONG = _("A mapping's name holds at most %(limit)s characters.")
MSG_MAPPING_NAME_TAKEN = _(
    "Your organisation already has a mapping named “%(name)s”: open it to save a new version, "
    "or choose another name."
)
MSG_MAPPING_TEXT_BLANK = _("Write the mapping (YAML), or paste it from a file.")
MSG_MAPPING_UNCHANGED = _(
    "This is the text of version %(version)s already; nothing was saved. Change the mapping first."
)
MSG_MAPPING_INVALID = _("The mapping does not read: %(problem)s")
# The prefix of a saved mapping's value among the import page's choices; shipped ones are files.
SAVED_CHOICE_PREFIX = "saved:"


def saved_mapping_label(saved: SavedMapping) -> str:
    """What an import records as its mapping's name: the name and the version."""
    return f"{saved.name} v{saved.version}"


@transaction.atomic
def saved_mapping_save(
    *, organisation: Organisation, user: User | None, name: str, text: str, new: bool = False
) -> SavedMapping:
    """Keep ``text`` as the next version of the organisation's mapping ``name`` (version 1 for a
    new name), after checking it as an import would. With ``new``, the name must not be taken
    (a new mapping, not a version of one). With a ``user``, an administrator of
    ``organisation`` (``organisation.administer``). Errors name the field: ``name`` or ``text``.
    """
    saved = SavedMapping(
        organisation=organisation, name=name.strip(), text=text.strip() + "\n", created_by=user
    )
    if user is not None:
        require(user, "organisation.administer", saved)
    errors: dict[str, list[ValidationError]] = {}
    if not saved.name:
        errors["name"] = [ValidationError(MSG_MAPPING_NAME_BLANK, code="blank")]
    elif len(saved.name) > SAVED_MAPPING_NAME_MAX_LENGTH:
        errors["name"] = [
            ValidationError(
                MSG_MAPPING_NAME_LONG, code="long", params={"limit": SAVED_MAPPING_NAME_MAX_LENGTH}
            )
        ]
    if not text.strip():
        errors["text"] = [ValidationError(MSG_MAPPING_TEXT_BLANK, code="blank")]
    else:
        try:
            mapping_parse(saved.text, saved.name or "mapping")
        except MappingError as error:
            errors["text"] = [
                ValidationError(MSG_MAPPING_INVALID, code="invalid", params={"problem": error})
            ]
    if errors:
        raise ValidationError(errors)
    # One writer at a time per organisation, so two saves never take the same version.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    latest = saved_mapping_latest(organisation_id=organisation.pk, name=saved.name)
    if new and latest is not None:
        raise ValidationError(
            {"name": ValidationError(MSG_MAPPING_NAME_TAKEN, params={"name": saved.name})}
        )
    if latest is not None and latest.text == saved.text:
        raise ValidationError(
            {"text": ValidationError(MSG_MAPPING_UNCHANGED, params={"version": latest.version})}
        )
    saved.version = latest.version + 1 if latest is not None else 1
    saved.save()
    audit.audit_record(
        action=audit.Action.CREATE,
        user=user,
        target=saved,
        changes={"name": saved.name, "version": saved.version, "organisation": organisation.pk},
    )
    return saved


def saved_mapping_latest(*, organisation_id: int, name: str) -> SavedMapping | None:
    return (
        SavedMapping.objects.filter(organisation_id=organisation_id, name=name)
        .order_by("-version")
        .first()
    )


def saved_mappings_current(organisation_id: int | None) -> list[SavedMapping]:
    """The newest version of each of the organisation's saved mappings, by name."""
    if organisation_id is None:
        return []
    mine = SavedMapping.objects.filter(organisation_id=organisation_id)
    newest = mine.values("name").annotate(newest=Max("version"))
    wanted = {(row["name"], row["newest"]) for row in newest}
    return [
        saved
        for saved in mine.select_related("created_by").order_by("name")
        if (saved.name, saved.version) in wanted
    ]


def saved_mapping_versions(saved: SavedMapping) -> QuerySet[SavedMapping]:
    """Every version of a saved mapping's name in its organisation, newest first."""
    return (
        SavedMapping.objects.filter(organisation_id=saved.organisation_id, name=saved.name)
        .select_related("created_by")
        .order_by("-version")
    )
