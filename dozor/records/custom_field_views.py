"""An administrator's pages for the organisation's own fields: the list, a new field, a
field's changes, and taking it out of use (its values stay) or back."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from dozor.accounts.policy import requires, signed_in_user
from dozor.records import services
from dozor.records.custom_field_forms import CustomFieldForm
from dozor.records.custom_fields import CustomField, FieldTarget

logger = logging.getLogger(__name__)

MSG_NO_FIELD = _("No field with this number in your organisation.")


def _organisation_id(request: HttpRequest) -> int:
    """The administrator's organisation (``custom_fields.manage`` needs one)."""
    organisation_id = signed_in_user(request).organisation_id
    if organisation_id is None:
        raise Http404(MSG_NO_FIELD)
    return organisation_id


def _own_field(request: HttpRequest, pk: int) -> CustomField:
    try:
        return CustomField.objects.get(pk=pk, organisation_id=_organisation_id(request))
    except CustomField.DoesNotExist:
        raise Http404(MSG_NO_FIELD) from None


@requires("custom_fields.manage")
def custom_field_list(request: HttpRequest) -> HttpResponse:
    fields = CustomField.objects.filter(organisation_id=_organisation_id(request))
    groups = [
        (label, [field for field in fields if field.applies_to == target])
        for target, label in FieldTarget.choices
    ]
    return render(request, "records/custom_field_list.html", {"groups": groups})


@requires("custom_fields.manage")
def custom_field_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if request.method != "POST":
        return _form(request, CustomFieldForm(), None)
    form = CustomFieldForm(request.POST)
    if form.is_valid():
        assert user.organisation is not None
        try:
            services.custom_field_create(
                organisation=user.organisation, user=user, data=form.field_input()
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            return redirect("custom_fields:custom_field_list")
    return _form(request, form, None, status=400)


@requires("custom_fields.manage", load=_own_field)
def custom_field_edit(request: HttpRequest, custom: CustomField, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    initial = CustomFieldForm.initial_from(custom)
    if request.method != "POST":
        return _form(request, CustomFieldForm(initial=initial, editing=True), custom)
    form = CustomFieldForm(request.POST, initial=initial, editing=True)
    if form.is_valid():
        try:
            services.custom_field_update(custom=custom, user=user, data=form.field_input())
        except ValidationError as error:
            _attach(form, error)
        else:
            return redirect("custom_fields:custom_field_list")
    return _form(request, form, custom, status=400)


@require_POST
@requires("custom_fields.manage", load=_own_field)
def custom_field_remove(request: HttpRequest, custom: CustomField, pk: int) -> HttpResponse:
    """Take the field out of use, or bring it back (``restore`` in the form)."""
    user = signed_in_user(request)
    services.custom_field_remove(
        custom=custom, user=user, removed=request.POST.get("restore") != "1"
    )
    return redirect("custom_fields:custom_field_list")


def _attach(form: CustomFieldForm, error: ValidationError) -> None:
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


def _form(
    request: HttpRequest, form: CustomFieldForm, custom: CustomField | None, *, status: int = 200
) -> HttpResponse:
    if status == 400:
        logger.info("custom field form rejected for %s: %s", request.user, sorted(form.errors))
    context: dict[str, Any] = {"form": form, "custom": custom}
    return render(request, "records/custom_field_form.html", context, status=status)
