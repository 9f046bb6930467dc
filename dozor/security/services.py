"""Writes about users."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from dozor.audit import services as audit
from dozor.records.models import Organisation
from dozor.security.models import Role, User

GENERATED_PASSWORD_BYTES = 15
TOTP_DEVICE_NAME = "authenticator app"
MSG_NOT_A_ROLE = _("“%(value)s” is not a role; expected one of: %(roles)s.")
MSG_LAST_ADMINISTRATOR = _(
    "%(username)s is the last active administrator of the organisation; make someone else "
    "administrator first."
)
MSG_CODE_WRONG = _("That code is not right (or has expired). Enter the current six-digit code.")


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
    """Confirm a new authenticator with a code from it; it replaces the user's old one."""
    if device.user_id != user.pk or not device.verify_token(token.strip()):
        raise ValidationError({"token": ValidationError(MSG_CODE_WRONG)})
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.audit_record(
        action=audit.Action.USER_CHANGE, user=user, target=user, changes={"two_factor": "enrolled"}
    )
    return device


@transaction.atomic
def totp_device_remove(*, user: User, by: User | None) -> int:
    """Remove a user's authenticators (a lost phone); they set up a new one at next sign-in."""
    removed, _details = TOTPDevice.objects.filter(user=user).delete()
    audit.audit_record(
        action=audit.Action.USER_CHANGE, user=by, target=user, changes={"two_factor": "removed"}
    )
    return removed
