"""Who may do what: every access rule of Dozor in one table.

Views, services, selectors and commands ask ``may(user, action, obj)`` or ``require(...)``
instead of spelling a role check of their own, so a rule is changed in one place and the
documentation (docs/security.md) and the URL access test are checked against the same table.

An action that names an object (``incident.write`` on an incident, ``source_list.write`` on a
source list or a press draft) is decided for that object: the user's organisation must own it.
Asked without an object, it answers whether the user's role allows it at all — for a page that
lists what may be changed, or a form before anything is chosen.

Querysets of what a user may see stay in the selectors (``incidents_visible`` and the like);
they follow the same rules, and ``incident.view`` here is their per-object form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from dozor.accounts.models import (
    ROLES_THAT_WRITE,
    ROLES_TRUSTED_WITH_CONFIDENTIAL,
    Organisation,
    Role,
    User,
)

MSG_REFUSED = _("Your role does not allow this.")

# The roles that keep an organisation's dialogue with officials.
DIALOGUE_WRITERS = frozenset({Role.ADMINISTRATOR, Role.DOCUMENTER, Role.ADVOCATE})
# The roles that answer for the figures an organisation quotes: those who run and read the
# estimates (analysts) and those who answer for the organisation (administrators).
FIGURE_PUBLISHERS = frozenset({Role.ADMINISTRATOR, Role.ANALYST})

AnyUser = User | AnonymousUser
Rule = Callable[[User, Any], bool]


@dataclass(frozen=True)
class PolicyAction:
    """One action: who may do it (``roles``, within their own organisation) and what else the
    object must satisfy (``rule``), with the words docs/security.md uses for it."""

    name: str
    description: Promise
    roles: frozenset[str]
    rule: Rule
    refusal: Promise = MSG_REFUSED
    own_organisation: bool = True
    # Roles allowed only with the name grant an administrator gives (User.can_see_names).
    roles_with_grant: frozenset[str] = frozenset()

    def allows_role(self, user: User) -> bool:
        return user.role in self.roles or (
            user.role in self.roles_with_grant and user.can_see_names
        )


def _organisation_id(obj: Any) -> int | None:
    """The organisation that owns a record: its own, or its source list's."""
    if hasattr(obj, "organisation_id"):
        return obj.organisation_id  # type: ignore[no-any-return]
    source_list = getattr(obj, "source_list", None)
    if source_list is not None:
        return source_list.organisation_id  # type: ignore[no-any-return]
    raise TypeError(f"{type(obj).__name__} has no owning organisation")


def _in_role(user: User, obj: Any) -> bool:
    return True


def _owned(user: User, obj: Any) -> bool:
    """The object, when one is given, belongs to the user's organisation."""
    return obj is None or _organisation_id(obj) == user.organisation_id


def _incident_visible(user: User, incident: Any) -> bool:
    """public: every signed-in user; restricted: the owning organisation; confidential: the
    owning organisation's administrators, documenters and advocates (as incidents_visible)."""
    if incident is None or incident.confidentiality == "public":
        return True
    if user.organisation_id is None or incident.organisation_id != user.organisation_id:
        return False
    return (
        incident.confidentiality != "confidential" or user.role in ROLES_TRUSTED_WITH_CONFIDENTIAL
    )


def _own_run(user: User, run: Any) -> bool:
    """An estimate run is stopped by whoever started it, or an administrator of its organisation."""
    if run is None:
        return True
    if run.created_by_id == user.pk:
        return True
    return user.role == Role.ADMINISTRATOR and run.organisation_id == user.organisation_id


def _administered(user: User, obj: Any) -> bool:
    """What an administrator changes: their own organisation, an organisation one of its users
    added that has no members of its own (a targeted organisation, a partner not yet on Dozor),
    and whatever their organisation owns. A member organisation answers for itself."""
    if obj is None:
        return True
    if isinstance(obj, Organisation):
        if obj.pk == user.organisation_id:
            return True
        added_by = obj.created_by
        return (
            added_by is not None
            and added_by.organisation_id == user.organisation_id
            and not obj.members.exists()
        )
    return _organisation_id(obj) == user.organisation_id


def _dialogue_incident(user: User, incident: Any) -> bool:
    """The dialogue is logged about an incident the user may see, public ones included."""
    return _incident_visible(user, incident)


EVERY_ROLE = frozenset(Role.values)

ACTIONS: dict[str, PolicyAction] = {
    action.name: action
    for action in (
        PolicyAction(
            name="incident.view",
            description=_(
                "See an incident: public ones for everyone signed in, restricted ones for the "
                "owning organisation, confidential ones for its administrators, documenters "
                "and advocates."
            ),
            roles=EVERY_ROLE,
            rule=_incident_visible,
            own_organisation=False,
        ),
        PolicyAction(
            name="incident.create",
            description=_("Record a new incident for one's organisation."),
            roles=ROLES_THAT_WRITE,
            rule=_in_role,
            refusal=_("Your role does not allow recording incidents."),
        ),
        PolicyAction(
            name="incident.write",
            description=_(
                "Change an incident of one's organisation: its fields, its response timeline, "
                "its reports and its ODIHR submission."
            ),
            roles=ROLES_THAT_WRITE,
            rule=_owned,
            refusal=_("Only your organisation's documenters can change this incident."),
        ),
        PolicyAction(
            name="names.view",
            description=_(
                "See the names of the people in one's organisation's records (analysts and "
                "readers only with the name grant)."
            ),
            roles=ROLES_TRUSTED_WITH_CONFIDENTIAL,
            roles_with_grant=frozenset({Role.ANALYST, Role.READER}),
            rule=_owned,
        ),
        PolicyAction(
            name="source_list.write",
            description=_(
                "Add and change one's organisation's source lists, and add reports to them: "
                "imports, quarantine corrections, press drafts and their review."
            ),
            roles=ROLES_THAT_WRITE,
            rule=_owned,
            refusal=_(
                "Only documenters of the organisation that owns the source list may do this."
            ),
        ),
        PolicyAction(
            name="submissions.triage",
            description=_(
                "Go through the accounts sent to one's organisation from outside (the public "
                "form, Tella): read them, open their files, accept one as a report, ask for "
                "more or close it."
            ),
            roles=ROLES_THAT_WRITE,
            rule=_owned,
            refusal=_(
                "Only documenters and administrators of the organisation that received it "
                "triage a submission."
            ),
        ),
        PolicyAction(
            name="referrals.use",
            description=_(
                "See and keep one's organisation's referrals of people who asked for legal or "
                "asylum help."
            ),
            roles=ROLES_TRUSTED_WITH_CONFIDENTIAL,
            rule=_owned,
            refusal=_(
                "Only advocates, documenters and administrators of the organisation see its "
                "referrals."
            ),
        ),
        PolicyAction(
            name="linkage.use",
            description=_(
                "Run record linkage over one's organisation's reports, review its pairs and "
                "make incidents of its clusters."
            ),
            roles=ROLES_THAT_WRITE,
            rule=_in_role,
            refusal=_("Only documenters and administrators of an organisation may link reports."),
        ),
        PolicyAction(
            name="dialogue.read",
            description=_("See one's organisation's raise list, dialogue log and follow-ups."),
            roles=EVERY_ROLE,
            rule=_in_role,
            refusal=_("The dialogue log belongs to an organisation; you are in none."),
        ),
        PolicyAction(
            name="dialogue.write",
            description=_(
                "Put a visible incident on one's organisation's raise list and log raising it "
                "with officials."
            ),
            roles=DIALOGUE_WRITERS,
            rule=_dialogue_incident,
            refusal=_(
                "Only your organisation's documenters, advocates and administrators can log the "
                "dialogue."
            ),
        ),
        PolicyAction(
            name="evaluation.write",
            description=_("Score indicators and set thresholds for one's organisation."),
            roles=ROLES_THAT_WRITE,
            rule=_in_role,
            refusal=_("Only documenters and administrators of an organisation may change this."),
        ),
        PolicyAction(
            name="estimate.cancel",
            description=_(
                "Stop an estimate run before it finishes: one's own runs, and for "
                "administrators every run of their organisation."
            ),
            roles=EVERY_ROLE,
            rule=_own_run,
            refusal=_("Only who started this run, or an administrator, can stop it."),
        ),
        PolicyAction(
            name="estimate.publish",
            description=_(
                "Publish a figure of one of one's organisation's finished estimate runs (an "
                "estimate or a documented count) as the one the organisation quotes: a new "
                "revision of that figure, kept with its date."
            ),
            roles=FIGURE_PUBLISHERS,
            rule=_owned,
            refusal=_(
                "Only your organisation's analysts and administrators publish the figures it "
                "quotes."
            ),
        ),
        PolicyAction(
            name="statistics.write",
            description=_(
                "Record or load a state's official statistics, which every organisation's "
                "report card uses (administrators of any organisation)."
            ),
            roles=frozenset({Role.ADMINISTRATOR}),
            rule=_in_role,
            refusal=_(
                "Official statistics are shared by every organisation's report card: only "
                "administrators change them."
            ),
        ),
        PolicyAction(
            name="organisation.administer",
            description=_(
                "Administer one's organisation: rename it, add organisations (a targeted one, a "
                "partner), correct the bodies it added, keep its own vocabulary terms and its "
                "saved import mappings."
            ),
            roles=frozenset({Role.ADMINISTRATOR}),
            rule=_administered,
            refusal=_("Only administrators of the organisation that owns this may change it."),
        ),
        PolicyAction(
            name="custom_fields.manage",
            description=_(
                "Add, change and remove the fields one's organisation adds to its incidents and "
                "people."
            ),
            roles=frozenset({Role.ADMINISTRATOR}),
            rule=_owned,
            refusal=_("Only your organisation's administrators define its fields."),
        ),
        PolicyAction(
            name="users.manage",
            description=_("Manage the users of one's organisation."),
            roles=frozenset({Role.ADMINISTRATOR}),
            rule=_owned,
            refusal=_("Only administrators manage users."),
        ),
    )
}


def may(user: AnyUser | None, action: str, obj: Any = None) -> bool:
    """Whether ``user`` may do ``action`` (a key of ACTIONS), to ``obj`` when one is given.

    Anonymous and deactivated users may do nothing; an action of one's organisation needs one.
    """
    rule = ACTIONS[action]
    if not isinstance(user, User) or not user.is_active:
        return False
    if rule.own_organisation and user.organisation_id is None:
        return False
    if not rule.allows_role(user):
        return False
    return rule.rule(user, obj)


def require(user: AnyUser | None, action: str, obj: Any = None, *, message: Any = None) -> None:
    """Raise PermissionDenied, with the action's refusal (or ``message``), unless ``may``."""
    if not may(user, action, obj):
        raise PermissionDenied(message if message is not None else ACTIONS[action].refusal)


def signed_in_user(request: HttpRequest) -> User:
    """The request's user, for views behind ``requires`` or ``login_required``."""
    user = request.user
    assert isinstance(user, User)
    return user


def requires(
    action: str,
    load: Callable[..., Any] | None = None,
    *,
    message: Any = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view decorator: anonymous users go to the sign-in page, the rest need ``action``.

    With ``load``, the object the action is about is loaded first — ``load(request, **kwargs)``
    with the URL's parameters, raising Http404 for what the user may not see — and handed to
    the view as its second argument, so it is read once.
    """
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if load is None:
                require(request.user, action, message=message)
                return view(request, *args, **kwargs)
            obj = load(request, **kwargs)
            require(request.user, action, obj, message=message)
            return view(request, obj, *args, **kwargs)

        wrapped.policy_action = action  # type: ignore[attr-defined]
        return wrapped

    return decorator


def roles_table() -> str:
    """The table of docs/security.md: each action and the roles that may do it, in English.

    A test compares the page with this, so the documentation cannot drift from the rules.
    """
    roles = list(Role)
    with override("en"):
        lines = [
            "| action | what it allows | " + " | ".join(str(r.label).lower() for r in roles) + " |",
            "|---|---|" + "---|" * len(roles),
        ]
        for action in ACTIONS.values():
            cells = []
            for role in roles:
                if role in action.roles:
                    cells.append("yes")
                elif role in action.roles_with_grant:
                    cells.append("with the name grant")
                else:
                    cells.append("no")
            lines.append(f"| `{action.name}` | {action.description} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
