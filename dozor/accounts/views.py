"""Two-factor sign-in, one's own API tokens, and the administrators' pages: the administration
index, users, organisations and the refusal log."""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from dozor.accounts import selectors, services
from dozor.accounts.forms import (
    ApiTokenForm,
    OrganisationForm,
    OrganisationRenameForm,
    TokenForm,
    TwoFactorRemoveForm,
    UserAccessForm,
    UserNewForm,
)
from dozor.accounts.middleware import two_factor_required, two_factor_verify_url
from dozor.accounts.models import ApiToken, Organisation, Role, User
from dozor.accounts.policy import may, require, requires, signed_in_user
from dozor.accounts.qr import qr_svg
from dozor.audit import selectors as audit_selectors
from dozor.audit.models import Action, AuditEntry
from dozor.lib.form_problems import service_errors_attach

MSG_TWO_FACTOR_REMOVED = gettext_lazy(
    "The authenticator of %(username)s was removed. They set up a new one at their next sign-in."
)
MSG_NO_TWO_FACTOR = gettext_lazy("%(username)s had no authenticator; nothing was removed.")
MSG_ADMINISTRATORS_ONLY = gettext_lazy("Only administrators see the refusal log.")
MSG_TOKEN_REVOKED = gettext_lazy(
    "The token “%(name)s” is revoked: a program that uses it is refused from now on."
)
MSG_USER_TOKEN_REVOKED = gettext_lazy(
    "The token “%(name)s” of %(username)s is revoked: a program that uses it is refused from now "
    "on."
)
MSG_NO_TOKEN = gettext_lazy("You have no such token.")
MSG_NO_ORGANISATION = gettext_lazy("There is no such organisation.")
MSG_ORGANISATION_ADDED = gettext_lazy("The organisation “%(name)s” was added.")
MSG_ORGANISATION_RENAMED = gettext_lazy("The organisation is now named “%(name)s”.")
MSG_NO_TOKEN_OF_USER = gettext_lazy("This user has no such token.")
# The refusal log shows the newest this many refusals and alerts.
REFUSALS_SHOWN = 500


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


# A POST to the setup page by a user who already has an authenticator: nothing was replaced.
CONFLICT_STATUS = 409


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), confirm with a code.

    Only for a user without a confirmed authenticator. One who has one is sent to enter its
    code first (the password alone must never reach a key), and even then is told to go
    through an administrator: a session, however verified, does not silently replace it.
    """
    user = _user(request)
    if selectors.totp_device_confirmed(user) is not None:
        if not user.is_verified():  # type: ignore[attr-defined]
            return redirect(two_factor_verify_url(request.path))
        return render(
            request,
            "accounts/two_factor_present.html",
            {"message": services.MSG_TWO_FACTOR_ALREADY_SET_UP},
            status=CONFLICT_STATUS if request.method == "POST" else 200,
        )
    device = selectors.totp_device_pending(user) or services.totp_device_start(user=user)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_device_confirm(user=user, device=device, token=form.cleaned_data["token"])
        except ValidationError as error:
            form.add_error("token", error.message_dict["token"])
            status = 400
        else:
            otp_login(request, device)
            return redirect(_next(request))
    elif request.method == "POST":
        status = 400
    secret = base64.b32encode(device.bin_key).decode()
    context: dict[str, Any] = {
        "form": form,
        # qr_svg() builds the markup itself from the key; no user input reaches it unescaped.
        "qr": mark_safe(qr_svg(device.config_url)),  # noqa: S308 - qr_svg builds the markup from the key alone
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": two_factor_required(user),
        "next": _next(request),
    }
    return render(request, "accounts/two_factor_setup.html", context, status=status)


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the user's authenticator app."""
    user = _user(request)
    device = selectors.totp_device_confirmed(user)
    if device is None:
        return redirect("accounts:two_factor_setup")
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            allowed, _details = device.verify_is_allowed()
            if allowed and device.verify_token(form.cleaned_data["token"].strip()):
                otp_login(request, device)
                return redirect(_next(request))
            form.add_error("token", services.MSG_CODE_WRONG)
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _next(request)},
        status=status,
    )


@never_cache
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The signed-in user's API tokens: the list, a form for a new one and a revoke button for
    each one not yet revoked.

    A new token's key is in the answer to the POST that made it and nowhere else: not in the
    session, a message, a URL or a log, and the page is never cached (never_cache sends
    Cache-Control: no-store), so reloading it or going back shows the key no more.
    """
    user = _user(request)
    writes = user.may_have_writing_token()
    form = ApiTokenForm(request.POST or None, writes=writes)
    status = 200
    created: tuple[ApiToken, str] | None = None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created = services.api_token_create(user=user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                status = 200
                form = ApiTokenForm(writes=writes)
    context = {
        "form": form,
        "tokens": selectors.api_tokens_of(user),
        "writes": writes,
        "new_token": created[0] if created else None,
        "new_key": created[1] if created else None,
    }
    return render(request, "accounts/api_tokens.html", context, status=status)


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of one's own tokens; anyone else's is not found, as if there were none."""
    user = _user(request)
    try:
        token = selectors.api_token_of(user, token_id)
    except ApiToken.DoesNotExist:
        raise Http404(MSG_NO_TOKEN) from None
    services.api_token_revoke(token=token, by=user)
    messages.success(request, MSG_TOKEN_REVOKED % {"name": token.name})
    return redirect("accounts:api_tokens")


def _administrator(request: HttpRequest) -> User:
    require(request.user, "users.manage")
    return _user(request)


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    admin = _administrator(request)
    return render(
        request, "accounts/user_list.html", {"users": selectors.users_administered(admin)}
    )


@never_cache
@login_required
def user_new(request: HttpRequest) -> HttpResponse:
    """Add a user to the administrator's organisation, through the service `dozor createuser`
    calls. The generated password is in the answer to the POST that made the user and nowhere
    else: not in the session, a message, a URL or a log, and the page is never cached
    (never_cache sends Cache-Control: no-store), so going back or reloading shows it no more."""
    admin = _administrator(request)
    form = UserNewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                person, password = services.user_create(
                    organisation=admin.organisation, by=admin, **form.cleaned_data
                )
            except ValidationError as error:
                service_errors_attach(form, error)
            else:
                context = {
                    "person": person,
                    "password": password,
                    "two_factor": two_factor_required(person),
                }
                return render(request, "accounts/user_created.html", context)
    return render(request, "accounts/user_new.html", {"form": form}, status=status)


def _administered(admin: User, username: str) -> User:
    try:
        return selectors.users_administered(admin).get(username=username)
    except User.DoesNotExist:
        raise Http404(_("No user with this name in your organisation.")) from None


@login_required
def user_edit(request: HttpRequest, username: str) -> HttpResponse:
    admin = _administrator(request)
    person = _administered(admin, username)
    initial = {
        "role": person.role,
        "can_see_names": person.can_see_names,
        "is_active": person.is_active,
    }
    form = UserAccessForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.user_update(user=person, by=admin, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                return redirect("accounts:user_list")
    context = {
        "form": form,
        "person": person,
        "has_device": selectors.totp_device_confirmed(person) is not None,
        "tokens": selectors.api_tokens_of(person),
    }
    return render(request, "accounts/user_edit.html", context, status=status)


@login_required
@require_POST
def user_api_token_revoke(request: HttpRequest, username: str, token_id: int) -> HttpResponse:
    """An administrator revokes a token of a user of their organisation (a lost laptop, a
    program or a person that should no longer reach the data); the trail names the
    administrator. The key itself is never shown here: only its owner saw it, once."""
    admin = _administrator(request)
    person = _administered(admin, username)
    try:
        token = selectors.api_token_of(person, token_id)
    except ApiToken.DoesNotExist:
        raise Http404(MSG_NO_TOKEN_OF_USER) from None
    services.api_token_revoke(token=token, by=admin)
    messages.success(
        request, MSG_USER_TOKEN_REVOKED % {"name": token.name, "username": person.username}
    )
    return redirect("accounts:user_edit", username=person.username)


@login_required
def user_two_factor_remove(request: HttpRequest, username: str) -> HttpResponse:
    """An administrator removes a user's authenticator (a lost or new phone), after ticking a
    confirmation: the one way to replace a confirmed authenticator from the web. The user sets
    up the new one at their next sign-in; the trail names the administrator and the user."""
    admin = _administrator(request)
    person = _administered(admin, username)
    form = TwoFactorRemoveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            if services.totp_device_remove(user=person, by=admin):
                messages.success(request, MSG_TWO_FACTOR_REMOVED % {"username": person.username})
            else:
                messages.info(request, MSG_NO_TWO_FACTOR % {"username": person.username})
            return redirect("accounts:user_edit", username=person.username)
    context = {
        "form": form,
        "person": person,
        "has_device": selectors.totp_device_confirmed(person) is not None,
        "has_pending": selectors.totp_device_pending(person) is not None,
    }
    return render(request, "accounts/user_two_factor_remove.html", context, status=status)


def refusals_visible(user: User) -> QuerySet[AuditEntry]:
    """The refusal log an administrator sees: the refused requests and alerts of the members of
    their organisation, newest first. Others see nothing; `dozor audit refusals` shows all,
    signed-out visitors' included, to whoever runs the server."""
    if not user.is_active or user.role != Role.ADMINISTRATOR or user.organisation_id is None:
        return AuditEntry.objects.none()
    return audit_selectors.refusals_of_organisation(user.organisation_id)


@login_required
def refusals(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User) or user.role != Role.ADMINISTRATOR:
        raise PermissionDenied(MSG_ADMINISTRATORS_ONLY)
    entries = refusals_visible(user)
    return render(
        request,
        "audit/refusals.html",
        {
            "alerts": entries.filter(action=Action.REFUSAL_ALERT)[:REFUSALS_SHOWN],
            "refusals": entries.filter(action=Action.REFUSED)[:REFUSALS_SHOWN],
            "alert_count": settings.DOZOR_REFUSAL_ALERT_COUNT,
            "alert_minutes": settings.DOZOR_REFUSAL_ALERT_MINUTES,
        },
    )


@requires("organisation.administer")
def administration(request: HttpRequest) -> HttpResponse:
    """The administrators' index: one page linking every administration page."""
    return render(request, "accounts/administration.html")


@requires("organisation.administer")
def organisation_list(request: HttpRequest) -> HttpResponse:
    admin = signed_in_user(request)
    return render(
        request,
        "accounts/organisation_list.html",
        {"organisations": selectors.organisations_administered(admin)},
    )


@requires("organisation.administer")
def organisation_new(request: HttpRequest) -> HttpResponse:
    """Add an organisation, validated by the service `dozor createuser --new-organisation` calls."""
    admin = signed_in_user(request)
    form = OrganisationForm(request.POST or None, language=get_language() or "en")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                organisation = services.organisation_create(user=admin, **form.cleaned_data)
            except ValidationError as error:
                service_errors_attach(form, error)
            else:
                messages.success(request, MSG_ORGANISATION_ADDED % {"name": organisation.name})
                return redirect("accounts:organisation_list")
    return render(
        request,
        "accounts/organisation_form.html",
        {"form": form, "organisation": None},
        status=status,
    )


def _organisation(request: HttpRequest, organisation_id: int) -> Organisation:
    """The organisation of the URL; one the administrator may not change is not found, as for
    none (an administrator learns nothing of another organisation by its number); anyone but an
    administrator is refused before it is looked for."""
    require(request.user, "organisation.administer")
    organisation = (
        Organisation.objects.select_related("created_by").filter(pk=organisation_id).first()
    )
    if organisation is None or not may(request.user, "organisation.administer", organisation):
        raise Http404(MSG_NO_ORGANISATION)
    return organisation


@requires("organisation.administer", load=_organisation)
def organisation_edit(
    request: HttpRequest, organisation: Organisation, organisation_id: int
) -> HttpResponse:
    admin = signed_in_user(request)
    initial = {"name": organisation.name, "name_en": organisation.name_en}
    form = OrganisationRenameForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                renamed = services.organisation_rename(
                    organisation=organisation, user=admin, **form.cleaned_data
                )
            except ValidationError as error:
                service_errors_attach(form, error)
            else:
                messages.success(request, MSG_ORGANISATION_RENAMED % {"name": renamed.name})
                return redirect("accounts:organisation_list")
    return render(
        request,
        "accounts/organisation_form.html",
        {"form": form, "organisation": organisation},
        status=status,
    )
