"""Writes about users."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from dozor.records.models import Organisation
from dozor.security.models import Role, User

GENERATED_PASSWORD_BYTES = 15


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
    return user, password


@transaction.atomic
def user_password_reset(*, user: User, password: str | None = None) -> str:
    password = password or password_generate()
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    return password
