"""A bound form's errors as sentences that name their field, for a page's one message."""

from __future__ import annotations

from django import forms


def form_problems(form: forms.BaseForm) -> list[str]:
    """Each error of an invalid form, as "<field label>: <error>" (the form's own errors bare)."""
    return [
        f"{form.fields[name].label}: {error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    ]
