"""Writes about users."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from dozor.accounts.models import (
    API_TOKEN_NAME_MAX_LENGTH,
    ApiToken,
    Organisation,
    Role,
    TokenScope,
    User,
)
from dozor.accounts.policy import require
from dozor.audit import services as audit

GENERATED_PASSWORD_BYTES = 15
TOTP_DEVICE_NAME = "authenticator app"
MSG_NOT_A_ROLE = _("“%(value)s” is not a role; expected one of: %(roles)s.")
# A user name that is a path of the Users pages (accounts/users/new/) would hide that user's
# own page behind it.
RESERVED_USERNAMES = frozenset({"new"})
MSG_USERNAME_RESERVED = _(
    "“%(name)s” names a page of the administration and cannot be a user name; choose another."
)
MSG_LAST_ADMINISTRATOR = _(
    "%(username)s is the last active administrator of the organisation; make someone else "
    "administrator first."
)
MSG_CODE_WRONG = _("That code is not right (or has expired). Enter the current six-digit code.")
MSG_TWO_FACTOR_ALREADY_SET_UP = _(
    "You already have an authenticator. It cannot be replaced here: if you lost it or have a new "
    "phone, ask an administrator of your organisation to remove it, then set up the new one at "
    "your next sign-in."
)

MSG_ORGANISATION_NAME_TAKEN = _(
    "There is already an organisation named “%(name)s” (names are unique in Dozor). Choose "
    "another name, or ask its administrators."
)

MSG_TOKEN_NAME_EMPTY = _("Give the token a name, to tell it apart from your others.")
MSG_TOKEN_NAME_LONG = _("A token's name holds at most %(limit)s characters.")
MSG_TOKEN_NAME_TAKEN = _(
    "You already have a token named “%(name)s”: revoke it first, or choose another name."
)
MSG_TOKEN_DAYS = _("A token lasts from 1 to %(limit)s days; %(value)s is outside that.")
MSG_TOKEN_SCOPE = _("“%(value)s” is not a scope; expected “read” or “write”.")
MSG_TOKEN_WRITE_ROLE = _(
    "Your role does not write records, so a token of yours can only read: choose “read”."
)
MSG_TOKEN_INACTIVE = _("An inactive user cannot have tokens.")

# API tokens: 32 random bytes after a prefix that says what the string is (a key found in a
# paste or a log is recognisable, and secret scanners can be taught it).
API_TOKEN_PREFIX = "dozor_"  # noqa: S105 - the public prefix of every key, not a secret
API_TOKEN_BYTES = 32
API_TOKEN_SHOWN_PREFIX = len(API_TOKEN_PREFIX) + 6
API_TOKEN_DAYS_DEFAULT = 90
API_TOKEN_DAYS_MAX = 365
# How often a token's "last used" is written: every call would be a write per request.
API_TOKEN_USE_RECORDED_EVERY = datetime.timedelta(minutes=1)


def password_generate() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    organisation: Organisation | None,
    email: str = "",
    password: str | None = None,
    can_see_names: bool = False,
    by: User | None = None,
) -> tuple[User, str]:
    """Create a user; returns the user and the password (generated when none is given).

    ``by`` is the administrator who adds the user from the Users page: the user joins the
    administrator's organisation only (policy ``users.manage``), and the trail names them.
    None is the server's operator (`dozor createuser`), whose origin the entry records.
    Errors name the field they are about: ``username``, ``email``, ``role``, ``password``."""
    if role not in Role.values:
        raise ValidationError(
            {
                "role": ValidationError(
                    MSG_NOT_A_ROLE, params={"value": role, "roles": ", ".join(Role.values)}
                )
            }
        )
    user = User(
        username=username.strip(),
        email=email.strip(),
        role=role,
        organisation=organisation,
        can_see_names=can_see_names,
        is_staff=role == Role.ADMINISTRATOR,
    )
    if by is not None:
        require(by, "users.manage", user)
    if user.username.casefold() in RESERVED_USERNAMES:
        raise ValidationError(
            {"username": ValidationError(MSG_USERNAME_RESERVED, params={"name": user.username})}
        )
    password = password or password_generate()
    user.set_password(password)
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.save()
    audit.audit_record(
        action=audit.Action.USER_CHANGE,
        user=by,
        target=user,
        changes={
            "created": True,
            "role": role,
            "organisation": user.organisation_id,
            "can_see_names": can_see_names,
        },
    )
    return user, password


@transaction.atomic
def user_password_reset(*, user: User, password: str | None = None) -> str:
    password = password or password_generate()
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.audit_record(
        action=audit.Action.USER_CHANGE, user=None, target=user, changes={"password": "changed"}
    )
    return password


def _administrators_left(user: User) -> int:
    return (
        User.objects.filter(organisation=user.organisation, role=Role.ADMINISTRATOR, is_active=True)
        .exclude(pk=user.pk)
        .count()
    )


@transaction.atomic
def user_update(
    *,
    user: User,
    by: User | None,
    role: str | None = None,
    can_see_names: bool | None = None,
    is_active: bool | None = None,
) -> User:
    """Change a user's role, name grant or active state (None: leave as is). Deactivation signs
    the user out everywhere at their next request; the last administrator cannot be demoted."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if role is not None and role not in Role.values:
        raise ValidationError(
            {
                "role": ValidationError(
                    MSG_NOT_A_ROLE, params={"value": role, "roles": ", ".join(Role.values)}
                )
            }
        )
    before = {"role": user.role, "can_see_names": user.can_see_names, "is_active": user.is_active}
    losing_admin = user.role == Role.ADMINISTRATOR and (
        (role is not None and role != Role.ADMINISTRATOR) or is_active is False
    )
    if losing_admin and user.organisation_id is not None and _administrators_left(user) == 0:
        raise ValidationError(MSG_LAST_ADMINISTRATOR, params={"username": user.username})
    if role is not None:
        user.role = role
        user.is_staff = role == Role.ADMINISTRATOR
    if can_see_names is not None:
        user.can_see_names = can_see_names
    if is_active is not None:
        user.is_active = is_active
    user.save(update_fields=["role", "is_staff", "can_see_names", "is_active"])
    after: dict[str, Any] = {
        "role": user.role,
        "can_see_names": user.can_see_names,
        "is_active": user.is_active,
    }
    if is_active is False:
        # A deactivated user's tokens end with them: reactivating the user must not bring back
        # keys that may have left with a departed member of staff or a seized laptop.
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            after["api_tokens_revoked"] = revoked
    audit.audit_record(
        action=audit.Action.USER_CHANGE,
        user=by,
        target=user,
        changes=audit.changes_between(before, after),
    )
    return user


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator for the user (replacing any unconfirmed one)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> TOTPDevice:
    """Confirm a user's first authenticator with a code from it.

    Never a replacement: whoever holds the password alone could otherwise swap the owner's
    authenticator for their own. A confirmed one is removed first by an administrator
    (totp_device_remove), which the trail records as a removal of its own.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()
    if TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).exists():
        raise ValidationError({"token": ValidationError(MSG_TWO_FACTOR_ALREADY_SET_UP)})
    if device.user_id != user.pk or not device.verify_token(token.strip()):
        raise ValidationError({"token": ValidationError(MSG_CODE_WRONG)})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.audit_record(
        action=audit.Action.USER_CHANGE, user=user, target=user, changes={"two_factor": "enrolled"}
    )
    return device


@transaction.atomic
def totp_device_remove(*, user: User, by: User | None) -> int:
    """Remove a user's authenticators (a lost or replaced phone); they set up a new one at their
    next sign-in, and any session they verified with the old one owes a code again.

    Only an administrator (the Users page) or an operator (`dozor user NAME --remove-two-factor`)
    calls this; the entry names who removed whose authenticator (by is None for the command,
    whose origin the entry records). Nothing to remove writes no entry.
    """
    devices = TOTPDevice.objects.filter(user=user)
    removed = devices.count()
    if removed == 0:
        return 0
    devices.delete()
    audit.audit_record(
        action=audit.Action.USER_CHANGE,
        user=by,
        target=user,
        changes={"two_factor": "removed", "devices": removed},
    )
    return int(removed)


def _lockout_counts_addresses_alone() -> bool:
    """Whether the configured lockout also locks an address whatever the user name (Dozor's
    default counts a user name at an address together, and never an address alone)."""
    parameters: Any = settings.AXES_LOCKOUT_PARAMETERS
    if not isinstance(parameters, list | tuple):
        return True  # a callable decides per request: clear the address to be sure
    # Each parameter is a name ("ip_address") or a list of names counted together.
    return any(
        parameter == "ip_address" or list(parameter) == ["ip_address"] for parameter in parameters
    )


@transaction.atomic
def user_sign_in_unlock(*, user: User, by: User | None) -> int:
    """Lift the sign-in lockout of a user: their failed attempts at every address and, where
    the lockout is configured to lock an address on its own too, every failed attempt from the
    addresses they failed at (or the colleagues behind that address would stay locked out).
    Returns the number of lockout records cleared.
    """
    username = user.get_username()
    cleared = AccessAttempt.objects.filter(username=username)
    if _lockout_counts_addresses_alone():
        addresses = {address for address in cleared.values_list("ip_address", flat=True) if address}
        cleared = AccessAttempt.objects.filter(Q(username=username) | Q(ip_address__in=addresses))
    count = cleared.count()
    cleared.delete()
    audit.audit_record(
        action=audit.Action.USER_CHANGE, user=by, target=user, changes={"sign_in": "unlocked"}
    )
    return int(count)


@transaction.atomic
def organisation_create(
    *,
    name: str,
    user: User | None = None,
    kind: str = "ngo",
    country: str = "RU",
    region: str = "",
    name_en: str = "",
    description: str = "",
) -> Organisation:
    """A new organisation, validated as the model declares (a name unique in Dozor, a known
    kind, country and region), with its entry in the trail. ``user`` is who added it (None: the
    server's operator, `dozor createuser --new-organisation`); an administrator who adds one may
    rename it until it has members of its own (policy ``organisation.administer``)."""
    if user is not None:
        require(user, "organisation.administer")
    name, name_en = name.strip(), name_en.strip()
    organisation = Organisation(
        name=name,
        name_en=name_en,
        kind=kind,
        country=country.strip().upper(),
        region=region.strip().upper(),
        description=description.strip(),
        created_by=user,
        updated_by=user,
    )
    _organisation_clean(organisation)
    with transaction.atomic():
        organisation.save()
        audit.audit_record(
            action=audit.Action.CREATE,
            user=user,
            target=organisation,
            changes=audit.changes_between(
                {},
                {
                    "name": name,
                    "name_en": name_en,
                    "kind": kind,
                    "country": organisation.country,
                    "region": organisation.region,
                    "description": organisation.description,
                },
                sensitive={"description"},
            ),
        )
    return organisation


def _organisation_clean(organisation: Organisation) -> None:
    """full_clean, with the name's clash in words that say what to do."""
    try:
        organisation.full_clean()
    except ValidationError as error:
        errors = error.error_dict
        if any(e.code == "unique" for e in errors.get("name", [])):
            errors["name"] = [
                ValidationError(
                    MSG_ORGANISATION_NAME_TAKEN, code="unique", params={"name": organisation.name}
                )
            ]
        raise ValidationError(errors) from None


@transaction.atomic
def organisation_rename(
    *, organisation: Organisation, user: User | None, name: str, name_en: str | None = None
) -> Organisation:
    """Give an organisation a new name (and English name, when given). With a ``user``, an
    administrator who may administer it: their own, or one their organisation added that has
    no members yet. Records keep pointing at it: only the words change."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if user is not None:
        require(user, "organisation.administer", organisation)
    before = {"name": organisation.name, "name_en": organisation.name_en}
    organisation.name = name.strip()
    if name_en is not None:
        organisation.name_en = name_en.strip()
    organisation.updated_by = user
    _organisation_clean(organisation)
    organisation.save(update_fields=["name", "name_en", "updated_by", "updated_at"])
    audit.audit_record(
        action=audit.Action.UPDATE,
        user=user,
        target=organisation,
        changes=audit.changes_between(
            before, {"name": organisation.name, "name_en": organisation.name_en}
        ),
    )
    return organisation


def api_token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, name: str, scope: str = TokenScope.READ, days: int = API_TOKEN_DAYS_DEFAULT
) -> tuple[ApiToken, str]:
    """Make a personal API token; returns it and its key, which is shown once and never kept
    (only its digest is). The trail records the token's name, scope and expiry, never the key."""
    name = name.strip()
    errors: dict[str, ValidationError] = {}
    if not name:
        errors["name"] = ValidationError(MSG_TOKEN_NAME_EMPTY)
    elif len(name) > API_TOKEN_NAME_MAX_LENGTH:
        errors["name"] = ValidationError(
            MSG_TOKEN_NAME_LONG, params={"limit": API_TOKEN_NAME_MAX_LENGTH}
        )
    elif api_tokens_active(user).filter(name=name).exists():
        errors["name"] = ValidationError(MSG_TOKEN_NAME_TAKEN, params={"name": name})
    if scope not in TokenScope.values:
        errors["scope"] = ValidationError(MSG_TOKEN_SCOPE, params={"value": scope})
    elif scope == TokenScope.WRITE and not user.may_have_writing_token():
        errors["scope"] = ValidationError(MSG_TOKEN_WRITE_ROLE)
    if not 1 <= days <= API_TOKEN_DAYS_MAX:
        errors["days"] = ValidationError(
            MSG_TOKEN_DAYS, params={"limit": API_TOKEN_DAYS_MAX, "value": days}
        )
    if not user.is_active:
        errors["__all__"] = ValidationError(MSG_TOKEN_INACTIVE)
    if errors:
        raise ValidationError(errors)
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(API_TOKEN_BYTES)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=secret[:API_TOKEN_SHOWN_PREFIX],
        digest=api_token_digest(secret),
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    audit.audit_record(
        action=audit.Action.USER_CHANGE,
        user=user,
        target=user,
        changes={
            "api_token": token.name,
            "created": True,
            "scope": scope,
            "expires": token.expires_at.isoformat(),
        },
    )
    return token, secret


def api_tokens_active(user: User) -> Any:
    """The user's tokens that are not revoked (expired ones included: they are listed, marked)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User | None) -> ApiToken:
    """Revoke a token at once: the next request made with it is refused. Revoking a revoked
    token changes nothing and writes no entry."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.audit_record(
        action=audit.Action.USER_CHANGE,
        user=by,
        target=token.user,
        changes={"api_token": token.name, "revoked": True},
    )
    return token


def api_token_use(secret: str) -> ApiToken | None:
    """The token a request's key belongs to, if it may be used now: not revoked, not expired,
    its user active. Records when it was last used (at most once a minute)."""
    if not secret.startswith(API_TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(digest=api_token_digest(secret), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= API_TOKEN_USE_RECORDED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_call_count(token: ApiToken, *, minute: int) -> int:
    """Count one call of the token in the given minute (minutes since 1970) and return the
    calls counted in that minute so far, across every server process.

    One statement, so that two processes counting at once each get their own number: the row
    is locked while it is updated and RETURNING gives the value this update wrote (PostgreSQL,
    and SQLite from 3.35). A new minute starts again from one."""
    table = connection.ops.quote_name(ApiToken._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET "  # noqa: S608 - the table name is the model's, the values are parameters
            "rate_calls = CASE WHEN rate_minute = %s THEN rate_calls + 1 ELSE 1 END, "
            "rate_minute = %s WHERE id = %s RETURNING rate_calls",
            [minute, minute, token.pk],
        )
        row = cursor.fetchone()
    if row is None:  # the token was deleted with its user since this request found it
        return 1
    return int(row[0])
