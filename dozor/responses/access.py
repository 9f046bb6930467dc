"""Who may record an incident's responses and keep the dialogue, with the refusals the pages and
the API give: each asks here before it reads a form, so that someone refused is told so rather
than shown the form's errors, and both say it in the same words."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.accounts.policy import require
from dozor.records.models import Incident

MSG_MAY_NOT_RECORD_EVENTS = _("Only the owning organisation's documenters can record responses.")
MSG_MAY_NOT_LOG = _("Your role does not allow logging the dialogue.")


def events_writer_require(user: User | AnonymousUser, incident: Incident) -> None:
    """PermissionDenied unless the user may add to and correct the incident's timeline."""
    require(user, "incident.write", incident, message=MSG_MAY_NOT_RECORD_EVENTS)


def dialogue_reader(user: User | AnonymousUser) -> User:
    """The user, if they may read their organisation's raise list and dialogue log; else
    PermissionDenied (with the policy's refusal: they are in no organisation)."""
    require(user, "dialogue.read")
    assert isinstance(user, User)
    return user


def dialogue_writer(user: User | AnonymousUser) -> User:
    """The user, if their role may keep the dialogue log; else PermissionDenied. Whether they may
    for a given incident is the services' check."""
    reader = dialogue_reader(user)
    require(reader, "dialogue.write", message=MSG_MAY_NOT_LOG)
    return reader
