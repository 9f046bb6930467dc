"""Writes about users."""

from __future__ import annotations

import secrets
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from dozor.accounts.models import Organisation, Role, User
from dozor.audit import services as audit

GENERATED_PASSWORD_BYTES = 15
TOTP_DEVICE_NAME = "authenticator app"
MSG_NOT_A_ROLE = _("“%(value)s” is not a role; expected one of: %(roles)s.")
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
) -> tuple[User, str]:
    """Create a user; returns the user and the password (generated when none is given)."""
    if role not in Role.values:
        raise ValidationError(
            {"role": f"'{role}' is not a role; expected one of: {', '.join(Role.values)}"}
        )
    password = password or password_generate()
    user = User(
        username=username,
        email=email,
        role=role,
        organisation=organisation,
        is_staff=role == Role.ADMINISTRATOR,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.save()
    audit.audit_record(
        action=audit.Action.USER_CHANGE,
        user=None,
        target=user,
        changes={"created": True, "role": role, "organisation": user.organisation_id},
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
    after = {"role": user.role, "can_see_names": user.can_see_names, "is_active": user.is_active}
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
    organisation = Organisation(
        name=name,
        name_en=name_en,
        kind=kind,
        country=country,
        region=region,
        description=description,
        created_by=user,
        updated_by=user,
    )
    organisation.full_clean()
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
                    "country": country,
                    "region": region,
                    "description": description,
                },
                sensitive={"description"},
            ),
        )
    return organisation
