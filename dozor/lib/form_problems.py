"""A bound form's errors as sentences that name their field, for a page's one message; a
service's errors put on the form under the fields they name."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError


def form_problems(form: forms.BaseForm) -> list[str]:
    """Each error of an invalid form, as "<field label>: <error>" (the form's own errors bare)."""
    return [
        f"{form.fields[name].label}: {error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    ]


def service_errors_attach(
    form: forms.BaseForm, error: ValidationError, *, renamed: Mapping[str, str] | None = None
) -> None:
    """A service's ValidationError on the form: each message under the field it names (a
    service's name for it may differ: ``renamed``), the rest as the form's own errors."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        field = (renamed or {}).get(name, name)
        form.add_error(field if field in form.fields else None, messages)
