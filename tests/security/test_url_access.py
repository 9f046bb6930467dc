"""Every URL of Dozor, requested by every persona, with GET and with POST.

The URLs come from the resolver, not from a list kept by hand: a URL added to dozor.urls without
its row in ACCESS fails ``test_every_url_has_a_row_for_every_persona`` with the URL's name. See
docs/development.md ("Adding a URL").

Each row gives, per persona in PERSONAS order, what GET and POST answer, as "GET/POST":
a status code, ``login`` (anonymous visitors are sent to the sign-in page) or ``ok`` (any 2xx
or 3xx other than the sign-in redirect: the page works, or it did its work and redirected).
The requests carry no form data, so a POST that is allowed usually answers 400 (the form is
invalid) and one that is refused answers 403 before reading anything.

Every URL parameter is filled with a real object of organisation A (see ``_url_kwargs``), so
the owner of the record, a colleague, a reader and an analyst of A, a documenter and an
administrator of organisation B and an anonymous visitor each ask for the same object.
"""

from __future__ import annotations

import datetime
import io
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dozor.accounts.models import Organisation, Role, User
from dozor.accounts.services import api_token_create
from dozor.estimation.models import EstimateRun, PublishedFigure, PublishedSeries
from dozor.evaluation import views as evaluation_views
from dozor.evaluation.services import StatisticInput, official_statistic_save
from dozor.evidence.services import Received, attachment_receive
from dozor.intake import views as intake_views
from dozor.intake.mapping import mapping_parse
from dozor.intake.models import ImportBatch, ImportJob, PendingUpload, QuarantinedRow
from dozor.intake.saved_mappings import saved_mapping_save
from dozor.intake.services import import_run, upload_store
from dozor.linkage import views as linkage_views
from dozor.linkage.models import AcceptBatch, CandidatePair, LinkageJob, LinkageRun
from dozor.press.models import DraftReport
from dozor.press.services import draft_create
from dozor.records.custom_fields import CustomField
from dozor.records.local_terms import local_term_create
from dozor.records.models import Incident, IncidentReport, SourceList
from dozor.reporting import views as reporting_views
from dozor.security.files import file_store
from dozor.submissions.challenge import challenge_new
from dozor.submissions.services import (
    SubmissionText,
    referral_create,
    submission_file_add,
    submission_receive,
)
from dozor.tella.services import tella_report_create, tella_token_create
from tests.evidence.conftest import jpeg_bytes
from tests.factories import (
    IncidentBiasFactory,
    IncidentFactory,
    OrganisationFactory,
    PersonFactory,
    ReportFactory,
    SourceListFactory,
    UserFactory,
)
from tests.intake.conftest import SMALL_MAPPING
from tests.named import json_readable
from tests.responses.factories import (
    BodyFactory,
    RaiseListEntryFactory,
    RaisingFactory,
    ResponseEventFactory,
)

PERSONAS = (
    "owner",  # documenter of organisation A, which owns every object asked for
    "colleague",  # advocate of organisation A
    "reader",  # reader of organisation A
    "analyst",  # analyst of organisation A, without the name grant
    "outsider",  # documenter of organisation B
    "outsider_admin",  # administrator of organisation B
    "anonymous",
)
OK = "ok"
LOGIN = "login"

VICTIM = "Бахтиёр Нурматов"
PRESS_TEXT = (
    "В Екатеринбурге избили женщину\n\nВ ночь на субботу в Екатеринбурге неизвестные избили "
    "Анну Щербакову. Щербакова госпитализирована."
)
PRESS_VICTIM = "Щербаков"
# The second row has no date and waits in the quarantine, with the victim's name in a column
# the mapping does not read.
QUARANTINE_CSV = (
    f"id,Дата,Мотив,Убито,Потерпевший\n1,04.12.2008,ксенофобия,0,\n2,не дата,расизм,,{VICTIM}\n"
)

# One row per URL name, one cell per persona in PERSONAS order; a cell is "GET/POST", or one
# value for both. Organisation A's incident is restricted: B sees none of A's records.
# fmt: off
ACCESS: dict[str, str] = {
    # The JSON API answers a persona's token (api_keys), anonymous has none: 401, never a
    # sign-in page. Its schema and reference page hold no record: open to all. The incidents'
    # and the reports' lists take a POST too (create), an incident's URL a PATCH: the rows of
    # one URL's names are alike. Every persona's token may write (each may start an estimate
    # run), so the empty body of a POST is refused (400) before the role: a valid one is
    # refused by the role (403, tests/api/).
    #                        owner   collea. reader  analyst outsid. o-admin anonymous
    "api-v1:api-root":       "404     404     404     404     404     404     404",
    "api-v1:openapi-json":   "200     200     200     200     200     200     200",
    "api-v1:openapi-view":   "200     200     200     200     200     200     200",
    "api-v1:incident_list":  "200/400 200/400 200/400 200/400 200/400 200/400 401",
    "api-v1:incident_create": "200/400 200/400 200/400 200/400 200/400 200/400 401",
    "api-v1:incident_get":   "200/405 200/405 200/405 200/405 404/405 404/405 401/405",
    "api-v1:incident_update": "200/405 200/405 200/405 200/405 404/405 404/405 401/405",
    "api-v1:report_list":    "200/400 200/400 200/400 200/400 200/400 200/400 401",
    "api-v1:report_create":  "200/400 200/400 200/400 200/400 200/400 200/400 401",
    "api-v1:report_get":     "200/405 200/405 200/405 200/405 404/405 404/405 401/405",
    "api-v1:source_list_list": "200/405 200/405 200/405 200/405 200/405 200/405 401/405",
    "api-v1:link_pair_list": "200/405 403/405 403/405 403/405 200/405 200/405 401/405",
    "api-v1:link_pair_get":  "200/405 403/405 403/405 403/405 404/405 404/405 401/405",
    "api-v1:link_decision_create": "405/400 405/400 405/400 405/400 405/400 405/400 405/401",
    "api-v1:export_incidents": "200/405 200/405 200/405 200/405 200/405 200/405 401/405",
    "api-v1:export_odihr":   "400/405 400/405 400/405 400/405 400/405 400/405 401/405",
    # The state's response: a body the schema refuses is 400 before the record is looked for
    # and before the role (tests/api/test_responses.py sends valid ones). A path of DELETE or
    # PATCH alone answers GET and POST with 405: tests/api/test_responses.py tries those methods.
    #                              owner   collea. reader  analyst outsid. o-admin anonymous
    "api-v1:event_list":           "200/400 200/400 200/400 200/400 404/400 404/400 401",
    "api-v1:event_add":            "200/400 200/400 200/400 200/400 404/400 404/400 401",
    "api-v1:event_correction_add": "405/400 405/400 405/400 405/400 405/400 405/400 405/401",
    "api-v1:raising_list":         "200/400 200/400 200/400 200/400 404/400 404/400 401",
    "api-v1:raising_log":          "200/400 200/400 200/400 200/400 404/400 404/400 401",
    "api-v1:raising_get":          "200/405 200/405 200/405 200/405 404/405 404/405 401/405",
    "api-v1:raising_update":       "200/405 200/405 200/405 200/405 404/405 404/405 401/405",
    "api-v1:raise_list_entries":   "200/400 200/400 200/400 200/400 200/400 200/400 401",
    "api-v1:raise_list_add":       "200/400 200/400 200/400 200/400 200/400 200/400 401",
    "api-v1:raise_list_remove":    "405 405 405 405 405 405 405",
    "api-v1:body_list":            "200/405 200/405 200/405 200/405 200/405 200/405 401/405",
    "api-v1:estimate_run_list":   "200/400 200/400 200/400 200/400 200/400 200/400 401",
    "api-v1:estimate_run_start":  "200/400 200/400 200/400 200/400 200/400 200/400 401",
    "api-v1:estimate_run_get":    "200/405 200/405 200/405 200/405 404/405 404/405 401/405",
    "api-v1:estimate_run_cancel": "405/200 405/403 405/403 405/403 405/404 405/404 405/401",
    "api-v1:report_card_get":     "200/405 200/405 200/405 200/405 200/405 200/405 401/405",
    "api-v1:annual_get":          "200/405 200/405 200/405 200/405 200/405 200/405 401/405",
    #                 owner   collea. reader  analyst outsid. o-admin anonymous
    "audit:refusals": "403     403     403     403     403     200     login",
    #                               owner   collea. reader  analyst outsid. o-admin anonymous
    "estimation:published_history": "200/405 200/405 200/405 200/405 404/405 404/405 login",
    "estimation:published_list":    "200/405 200/405 200/405 200/405 200/405 200/405 login",
    "estimation:run_cancel":        "405/ok  405/403 405/403 405/403 405/404 405/404 405/login",
    "estimation:run_csv":           "200/405 200/405 200/405 200/405 404/405 404/405 login",
    "estimation:run_detail":        "200     200     200     200     404     404     login",
    "estimation:run_list":          "200     200     200     200     200     200     login",
    "estimation:run_publish":       "405/403 405/403 405/403 405/400 405/404 405/404 405/login",
    #                              owner   collea. reader  analyst outsid. o-admin anonymous
    "evaluation:assess":           "200     403     403     403     200     200     login",
    "evaluation:card":             "200     200     200     200     200     200     login",
    "evaluation:card_pdf":         "200     200     200     200     200     200     login",
    "evaluation:dashboard":        "200     200     200     200     200     200     login",
    "evaluation:official_history": "200     200     200     200     200     200     login",
    "evaluation:official_list":    "200/403 200/403 200/403 200/403 200/403 200     login",
    "evaluation:thresholds":       "200     200/403 200/403 200/403 200     200     login",
    #                                 owner   collea. reader  analyst outsid. o-admin anonymous
    "exports:incident_list_download": "200/405 200/405 200/405 200/405 200/405 200/405 login",
    "exports:odihr":                  "200/405 200/405 200/405 200/405 200/405 200/405 login",
    "exports:odihr_download":         "400/405 400/405 400/405 400/405 400/405 400/405 login",
    "exports:odihr_mark":             "405/ok  405/403 405/403 405/403 405/404 405/404 login",
    "exports:odihr_mark_bulk":        "405/ok  405/403 405/403 405/403 405/ok  405/ok  login",
    #                                 owner   collea. reader  analyst outsid. o-admin anonymous
    "evidence:attachment_detail":     "200/405 200/405 403/405 403/405 404/405 404/405 login",
    "evidence:attach_copy":           "405/ok  403     403     403     404     404     login",
    "evidence:custody":               "200/405 200/405 403/405 403/405 404/405 404/405 login",
    "evidence:download":              "200/405 200/405 403/405 403/405 404/405 404/405 login",
    "evidence:download_clean":        "200/405 200/405 403/405 403/405 404/405 404/405 login",
    "evidence:incident_attach":       "405/ok  403     403     403     404     404     login",
    "evidence:report_attach":         "405/ok  403     403     403     404     404     login",
    "evidence:event_attach":          "405/ok  403     403     403     404     404     login",
    "evidence:raising_attach":        "405/ok  405/ok  403     403     404     404     login",
    "evidence:preview":               "200/405 200/405 403/405 403/405 404/405 404/405 login",
    # The Tella Web protocol answers the key a phone got at sign-in (tella_keys), never a
    # session: only roles that record incidents get one (owner, outsider, o-admin); the others
    # and anonymous are 401. A report or project of organisation A is not found for B. The
    # empty form POSTed to sign in is not JSON (400), to a report has no title (400); closing a
    # file of which nothing arrived is 404.
    #                   owner   collea. reader  analyst outsid. o-admin anonymous
    "tella:sign_in":       "405/400 405/400 405/400 405/400 405/400 405/400 405/400",
    "tella:project":       "200/405 401/405 401/405 401/405 200/405 200/405 401/405",
    "tella:report_create": "405/400 405/401 405/401 405/401 405/404 405/404 405/401",
    "tella:file":          "405/404 405/401 405/401 405/401 405/404 405/404 405/401",
    "tella:file_v2":       "405     405     405     405     405     405     405",
    # The page where a signed-in user reads what to type into Tella and signs their phones out:
    # a session's, like any page.
    "tella:connect":       "200/405 200/405 200/405 200/405 200/405 200/405 login",
    "tella:sign_ins_end":  "405/ok  405/ok  405/ok  405/ok  405/ok  405/ok  login",
    # The public form is anyone's, signed in or not: a POST without the form's fields (its
    # challenge above all) is refused. Organisation A receives it (receiving_organisation).
    #                        owner   collea. reader  analyst outsid. o-admin anonymous
    "report:report_form":     "200/400 200/400 200/400 200/400 200/400 200/400 200/400",
    "report:challenge_image": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    # The triage queue is the documenters' and administrators' of the receiving organisation
    # (owner; the colleague is an advocate); the referrals its advocates' too.
    #                                  owner   collea. reader  analyst outsid. o-admin anonymous
    "submissions:queue":               "200/405 403     403     403     200/405 200/405 login",
    "submissions:submission_detail":   "200/405 403     403     403     404     404     login",
    "submissions:submission_accept":   "405/ok  403     403     403     404     404     login",
    "submissions:submission_ask_more": "405/400 403     403     403     404     404     login",
    "submissions:submission_close":    "405/400 403     403     403     404     404     login",
    "submissions:referral_add":        "405/ok  403     403     403     404     404     login",
    "submissions:submission_file":     "200/405 403/405 403/405 403/405 404/405 404/405 login",
    "submissions:referral_list":       "200/405 200/405 403     403     200/405 200/405 login",
    "submissions:referral_update":     "405/ok  405/ok  403     403     404     404     login",
    #               owner   collea. reader  analyst outsid. o-admin anonymous
    # The home page is every signed-in user's; what it lists is each role's (tests/reporting/).
    "home":         "200/405 200/405 200/405 200/405 200/405 200/405 login",
    "login":        "200     200     200     200     200     200     200",
    "logout":       "405/login 405/login 405/login 405/login 405/login 405/login 405/login",
    "set_language": "ok      ok      ok      ok      ok      ok      ok",
    #                            owner   collea. reader  analyst outsid. o-admin anonymous
    "intake:import_confirm":     "405/ok  403     403     403     405/404 405/404 login",
    "intake:import_detail":      "200     200     200     200     404     404     login",
    "intake:import_job":         "200     404     404     404     404     404     login",
    "intake:import_list":        "200     200     200     200     200     200     login",
    "intake:import_new":         "200/400 403     403     403     200/400 200/400 login",
    "intake:import_preview":     "200/ok  403     403     403     404     404     login",
    "intake:quarantine_correct": "200/400 403     403     403     404     404     login",
    "intake:remap":              "200/400 403     403     403     404     404     login",
    "intake:remap_confirm":      "405/400 403     403     403     405/404 405/404 login",
    "intake:quarantine_export":  "200     200     200     200     200     200     login",
    "intake:quarantine_list":    "200     200     200     200     200     200     login",
    #                    owner   collea. reader  analyst outsid. o-admin anonymous
    "linkage:accept":    "200/400 403     403     403     200/400 200/400 login",
    "linkage:batch":     "200/ok  403     403     403     404     404     login",
    "linkage:clusters":  "200/400 403     403     403     200/400 200/400 login",
    "linkage:job":       "200     403     403     403     404     404     login",
    "linkage:pair":      "200/400 403     403     403     404     404     login",
    "linkage:queue":     "200     403     403     403     200     200     login",
    "linkage:run_start": "405/ok  403     403     403     405/ok  405/ok  login",
    "linkage:split":     "200/400 403     403     403     404     404     login",
    #                     owner   collea. reader  analyst outsid. o-admin anonymous
    "press:draft_detail": "200/400 200/403 200/403 200/403 404     404     login",
    "press:draft_list":   "200     200     200     200     200     200     login",
    "press:draft_reject": "405/ok  405/403 405/403 405/403 405/404 405/404 login",
    #                     owner   collea. reader  analyst outsid. o-admin anonymous
    "publication:public": "404     404     404     404     404     404     404",
    #                           owner   collea. reader  analyst outsid. o-admin anonymous
    "records:incident_create":  "200/400 403     403     403     200/400 200/400 login",
    "records:incident_detail":  "200     200     200     200     404     404     login",
    "records:incident_edit":    "200/400 403     403     403     404     404     login",
    "records:incident_history": "200     200     200     200     404     404     login",
    "records:incident_list":    "200     200     200     200     200     200     login",
    #                         owner   collea. reader  analyst outsid. o-admin anonymous
    "reports:report_detail":  "200/405 200/405 200/405 200/405 404/405 404/405 login",
    "reports:report_list":    "200/405 200/405 200/405 200/405 200/405 200/405 login",
    #                       owner   collea. reader  analyst outsid. o-admin anonymous
    "reporting:annual":     "200     200     200     200     200     200     login",
    "reporting:annual_pdf": "200     200     200     200     200     200     login",
    "reporting:chart":      "200     200     200     200     200     200     login",
    #                           owner   collea. reader  analyst outsid. o-admin anonymous
    "responses:bodies":         "200/400 200/400 200/403 200/403 200/400 200/400 login",
    "responses:body_detail":    "200     200     200     200     200     200     login",
    "responses:dossier":        "400     400     400     400     400     400     login",
    "responses:event_correct":  "200/400 403     403     403     404     404     login",
    "responses:follow_ups":     "200     200     200     200     200     200     login",
    "responses:raise_add":      "200/400 200/400 403     403     404     404     login",
    "responses:raise_list":     "200     200     200     200     200     200     login",
    "responses:raise_remove":   "405/ok  405/ok  405/403 405/403 405/404 405/404 login",
    "responses:raising_edit":   "200/400 200/400 403     403     404     404     login",
    "responses:raising_new":    "200/400 200/400 403     403     404     404     login",
    "responses:statistics":     "200     200     200     200     200     200     login",
    "responses:statistics_csv": "200     200     200     200     200     200     login",
    "responses:timeline":       "200/400 200/403 200/403 200/403 404     404     login",
    #                            owner   collea. reader  analyst outsid. o-admin anonymous
    "sources:source_list_edit":  "200/400 403     403     403     404     404     login",
    # Only an administrator defines the organisation's fields (no persona of A is one).
    #                                 owner   collea. reader  analyst outsid. o-admin anonymous
    "custom_fields:custom_field_list": "403     403     403     403     403     200     login",
    "custom_fields:custom_field_new":  "403     403     403     403     403     200/400 login",
    "custom_fields:custom_field_edit": "403     403     403     403     404     404     login",
    "custom_fields:custom_field_remove": (
        "405/403 405/403 405/403 405/403 405/404 405/404 405/login"
    ),
    "sources:source_list_list":  "200/405 200/405 200/405 200/405 200/405 200/405 login",
    "sources:source_list_new":   "200/400 403     403     403     200/400 200/400 login",
    #                             owner   collea. reader  analyst outsid. o-admin anonymous
    "accounts:api_token_revoke":  "405/404 405/404 405/ok  405/404 405/404 405/404 login",
    "accounts:api_tokens":        "200/400 200/400 200/400 200/400 200/400 200/400 login",
    "accounts:two_factor_setup":  "200/400 200/400 200/400 200/400 200/400 200/400 login",
    "accounts:two_factor_verify": "ok      ok      ok      ok      ok      ok      login",
    "accounts:user_edit":         "403     403     403     403     403     404     login",
    "accounts:user_list":         "403     403     403     403     403     200     login",
    "accounts:user_new":          "403     403     403     403     403     200/400 login",
    "accounts:user_two_factor_remove": "403     403     403     403     403     404     login",
    "accounts:user_api_token_revoke": "405/403 405/403 405/403 405/403 405/403 405/404 login",
    # The administration pages: administrators only; organisation A's own things (its name,
    # the body it added, its saved mapping) are not found for B's administrator.
    #                                owner   collea. reader  analyst outsid. o-admin anonymous
    "accounts:administration":      "403     403     403     403     403     200     login",
    "accounts:organisation_list":   "403     403     403     403     403     200     login",
    "accounts:organisation_new":    "403     403     403     403     403     200/400 login",
    "accounts:organisation_edit":   "403     403     403     403     403     404     login",
    "responses:body_edit":          "403     403     403     403     403     404     login",
    "intake:mapping_list":          "403     403     403     403     403     200     login",
    "intake:mapping_new":           "403     403     403     403     403     200/400 login",
    "intake:mapping_detail":        "403     403     403     403     403     404     login",
    "vocabularies:local_term_list": "403     403     403     403     403     200     login",
    "vocabularies:local_term_new":  "403     403     403     403     403     200/400 login",
    "vocabularies:local_term_edit": "403     403     403     403     403     404     login",
}
# fmt: on

# Pages that can show a victim's name: the personas who see it there. Every other persona must
# not find the name in the body of a successful GET.
OWNERS_TRUSTED = frozenset({"owner", "colleague"})
NAMES: dict[str, frozenset[str]] = {
    "records:incident_detail": OWNERS_TRUSTED,
    "records:incident_edit": frozenset({"owner"}),
    "evidence:download": OWNERS_TRUSTED,
    "evidence:attachment_detail": OWNERS_TRUSTED,
    "evidence:custody": OWNERS_TRUSTED,
    "exports:incident_list_download": OWNERS_TRUSTED,
    "linkage:pair": frozenset({"owner"}),
    "api-v1:link_pair_get": frozenset({"owner"}),
    "api-v1:export_incidents": OWNERS_TRUSTED,
    "intake:import_preview": frozenset({"owner"}),
    "intake:quarantine_correct": frozenset({"owner"}),
    "press:draft_detail": OWNERS_TRUSTED,
    "intake:quarantine_export": OWNERS_TRUSTED,
    "reports:report_list": OWNERS_TRUSTED,
    "reports:report_detail": OWNERS_TRUSTED,
    "api-v1:incident_get": OWNERS_TRUSTED,
    "api-v1:incident_update": OWNERS_TRUSTED,
    "api-v1:report_list": OWNERS_TRUSTED,
    "api-v1:report_create": OWNERS_TRUSTED,
    "api-v1:report_get": OWNERS_TRUSTED,
    "submissions:queue": frozenset({"owner"}),
    "submissions:submission_detail": frozenset({"owner"}),
    "submissions:submission_file": frozenset({"owner"}),
    "submissions:referral_list": OWNERS_TRUSTED,
    # The home page lists recent incidents by reference, type and region: never a name, not
    # even to those who may see names.
    "home": frozenset(),
}


@dataclass
class World:
    organisation: Organisation
    other: Organisation
    users: dict[str, User]
    incident: Incident
    source_list: SourceList
    objects: dict[str, Any]


def _build_world(files: Path) -> World:
    organisation = OrganisationFactory(name="Организация А")
    other = OrganisationFactory(name="Организация Б")
    users = {
        "owner": UserFactory(username="owner", organisation=organisation, role=Role.DOCUMENTER),
        "colleague": UserFactory(
            username="colleague", organisation=organisation, role=Role.ADVOCATE
        ),
        "reader": UserFactory(username="reader", organisation=organisation, role=Role.READER),
        "analyst": UserFactory(username="analyst", organisation=organisation, role=Role.ANALYST),
        "outsider": UserFactory(username="outsider", organisation=other, role=Role.DOCUMENTER),
        "outsider_admin": UserFactory(
            username="outsider_admin", organisation=other, role=Role.ADMINISTRATOR
        ),
    }
    owner = users["owner"]
    incident = IncidentFactory(
        organisation=organisation,
        confidentiality="restricted",
        summary=f"{VICTIM} избит у станции метро.",
        created_by=owner,
        updated_by=owner,
        date_start=datetime.date(2008, 12, 4),
    )
    IncidentBiasFactory(incident=incident)
    PersonFactory(incident=incident, name=VICTIM, pseudonym="Victim A")
    source_list = SourceListFactory(organisation=organisation, name="Список А")
    fields = {
        "date": "2008-12-04",
        "victims": [{"name": VICTIM, "sex": "male", "age": 31}],
        "title": "Нападение",
    }
    first = ReportFactory(source_list=source_list, fields=fields)
    second = ReportFactory(source_list=source_list, fields={**fields, "date": "2008-12-05"})
    IncidentReport.objects.create(incident=incident, report=first)
    run = LinkageRun.objects.create(organisation=organisation, started_by=owner, threshold=0.1)
    pair = CandidatePair.objects.create(
        run=run, report_a=first, report_b=second, match_probability=0.9, match_weight=4.0
    )
    # Added by organisation A, whose administrators alone may correct it.
    body = BodyFactory(organisation=organisation)
    draft, _created = draft_create(
        source_list=source_list,
        text=PRESS_TEXT,
        published=datetime.date(2024, 3, 4),
        user=owner,
        url="https://example.org/1",
    )
    summary = import_run(
        user=owner,
        source_list=source_list,
        data=QUARANTINE_CSV.encode("utf-8"),
        file_name="partner.csv",
        mapping=mapping_parse(SMALL_MAPPING, "partner.yaml"),
    )
    batch = ImportBatch.objects.get(pk=summary.batch)
    # Official figures are shared by every organisation; any administrator records them.
    official_statistic_save(
        user=users["outsider_admin"],
        item=StatisticInput(
            country="RU", year=2008, recorded=10, prosecuted=4, sentenced=2, source="МВД"
        ),
    )
    estimate_run = EstimateRun.objects.create(
        organisation=organisation, created_by=owner, stratify_by="year", lists=[], seed=1
    )
    api_token, _key = api_token_create(user=users["reader"], name="reader's script")
    # Evidence whose file name and description name the victim, and whose photo carries the
    # name in its own bytes: only those who may see names may open it or read its name.
    attachment = attachment_receive(
        user=owner,
        target=incident,
        received=Received(f"{VICTIM}.jpg", io.BytesIO(jpeg_bytes(VICTIM.encode()))),
        kind="photo",
        description=f"Снимок травм: {VICTIM}",
    )
    # A submission of the public form naming the victim (its title, account, contact and photo),
    # asking for legal help, with a referral.
    submission = submission_receive(
        organisation=organisation,
        channel="form",
        text=SubmissionText(
            title=f"Избиение: {VICTIM}",
            what_happened=f"{VICTIM} избит у станции метро.",
            contact=f"{VICTIM}, Signal",
            wants_legal_help=True,
        ),
    )
    submission_file_add(
        submission=submission,
        name=f"{VICTIM}.jpg",
        media_type="image/jpeg",
        stored=file_store().store_stream(io.BytesIO(jpeg_bytes(VICTIM.encode()))),
    )
    referral = referral_create(user=owner, submission=submission, kind="legal")
    objects = {
        "submission": submission,
        "referral": referral,
        "attachment": attachment,
        "api_token": api_token,
        "event": ResponseEventFactory(incident=incident),
        "raising": RaisingFactory(organisation=organisation, incident=incident, body=body),
        "entry": RaiseListEntryFactory(organisation=organisation, incident=incident),
        "body": body,
        "local_term": local_term_create(
            organisation=organisation,
            user=None,
            vocabulary_name="legal_article",
            code="koap_20_3",
            label_en="Administrative Code, art. 20.3",
            label_ru="КоАП РФ, ст. 20.3",
        ),
        "saved_mapping": saved_mapping_save(
            organisation=organisation, user=None, name="Список А", text=SMALL_MAPPING
        ),
        "run": estimate_run,
        "published": PublishedFigure.objects.create(
            series=PublishedSeries.objects.create(
                organisation=organisation,
                kind="documented",
                stratify_by="year",
                stratum="2008",
                country="RU",
                lists=[{"id": source_list.pk, "name": source_list.name}],
                lists_key=str(source_list.pk),
                period="2008",
                revision=1,
            ),
            number=1,
            documented=1,
            figure=1,
            run=estimate_run,
            data_hash="0" * 64,
            seed=1,
            published_at=datetime.datetime(2009, 1, 15, tzinfo=datetime.UTC),
            published_by=owner,
        ).series,
        "draft": draft,
        "custom_field": CustomField.objects.create(
            organisation=organisation,
            key="police_station",
            field_type="text",
            label_en="Police station",
            label_ru="Отдел полиции",
        ),
        "batch": batch,
        "quarantined": QuarantinedRow.objects.filter(batch=batch).first(),
        "job": ImportJob.objects.create(token=secrets.token_hex(16), created_by=owner),
        "pair": pair,
        "report": first,
        "accept_batch": AcceptBatch.objects.create(
            organisation=organisation, run=run, created_by=owner, min_probability=0.5
        ),
        "linkage_job": LinkageJob.objects.create(
            token=secrets.token_hex(16), kind="run", organisation=organisation, created_by=owner
        ),
        "tella_report": tella_report_create(user=owner, title="Задержание", description=""),
    }
    assert isinstance(objects["draft"], DraftReport)
    assert objects["quarantined"] is not None, "the import should have quarantined a row"
    return World(organisation, other, users, incident, source_list, objects)


@pytest.fixture(scope="module")
def module_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("files")


@pytest.fixture(autouse=True)
def own_file_store(module_files: Path) -> Iterator[None]:
    """The world's sealed files (the press draft, the import) live for the whole module."""
    previous = settings.DOZOR_FILES
    settings.DOZOR_FILES = str(module_files)
    yield
    settings.DOZOR_FILES = previous


@pytest.fixture(autouse=True)
def imports_run_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake_views, "RUN_IN_THREAD", False)
    monkeypatch.setattr(linkage_views, "RUN_IN_THREAD", False)


@pytest.fixture(autouse=True)
def receiving_organisation(settings: Any) -> None:
    """Organisation A receives the public form, so that /report/ shows the form itself."""
    settings.DOZOR_INTAKE_ORGANISATION = "Организация А"


@pytest.fixture(autouse=True)
def pdf_as_html(monkeypatch: pytest.MonkeyPatch) -> None:
    """PDFs take seconds to lay out and access is decided before: the HTML they would be made
    of is answered instead, which also lets the name check read them."""
    for module in (reporting_views, evaluation_views):
        monkeypatch.setattr(module, "html_to_pdf", lambda html: html.encode("utf-8"))


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, module_files: Path) -> Iterator[World]:
    """One set of records for the whole module, rolled back at its end; each test runs in a
    transaction of its own inside it, so what a POST changes is undone before the next."""
    previous = settings.DOZOR_FILES
    settings.DOZOR_FILES = str(module_files)
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world(module_files)
        transaction.set_rollback(True)
    settings.DOZOR_FILES = previous


def _pending_token(world: World) -> str:
    """A fresh upload of the owner's for each test: confirming it discards its file."""
    pending = upload_store(
        user=world.users["owner"],
        source_list=world.source_list,
        file_name="partner.csv",
        data=QUARANTINE_CSV.encode("utf-8"),
        mapping_name="partner.yaml",
        mapping_text=SMALL_MAPPING,
    )
    assert isinstance(pending, PendingUpload)
    return pending.token


# URL parameter -> how to fill it from the world, when the name alone says which object it is.
PARAMETERS: dict[str, Callable[[World], Any]] = {
    "reference": lambda w: w.incident.reference,
    "event_id": lambda w: w.objects["event"].pk,
    "raising_id": lambda w: w.objects["raising"].pk,
    "entry_id": lambda w: w.objects["entry"].pk,
    "body_id": lambda w: w.objects["body"].pk,
    "organisation_id": lambda w: w.organisation.pk,
    "term_id": lambda w: w.objects["local_term"].pk,
    "attachment_id": lambda w: w.objects["attachment"].pk,
    "report_id": lambda w: w.objects["report"].pk,
    "run_id": lambda w: w.objects["run"].pk,
    "series_id": lambda w: w.objects["published"].pk,
    "username": lambda w: w.users["reader"].username,
    "token_id": lambda w: w.objects["api_token"].pk,  # the reader's
    "country": lambda w: "RU",
    "year": lambda w: 2008,
    "file_format": lambda w: "csv",
}
# Parameters whose object depends on the URL (a "pk" is a draft, a batch, a row or a pair).
PER_URL: dict[str, dict[str, Callable[[World], Any]]] = {
    "press:draft_detail": {"pk": lambda w: w.objects["draft"].pk},
    "press:draft_reject": {"pk": lambda w: w.objects["draft"].pk},
    "intake:import_preview": {"token": _pending_token},
    "intake:import_confirm": {"token": _pending_token},
    "intake:import_job": {"token": lambda w: w.objects["job"].token},
    "intake:import_detail": {"pk": lambda w: w.objects["batch"].pk},
    "intake:quarantine_correct": {"pk": lambda w: w.objects["quarantined"].pk},
    "intake:remap": {"pk": lambda w: w.objects["batch"].pk},
    "intake:remap_confirm": {"pk": lambda w: w.objects["batch"].pk},
    "evaluation:assess": {"indicator": lambda w: "C1.publication"},
    "reporting:chart": {"key": lambda w: "month", "fmt": lambda w: "csv"},
    "linkage:pair": {"pk": lambda w: w.objects["pair"].pk},
    "api-v1:link_pair_get": {"pair_id": lambda w: w.objects["pair"].pk},
    "api-v1:link_decision_create": {"pair_id": lambda w: w.objects["pair"].pk},
    "reports:report_detail": {"pk": lambda w: w.objects["report"].pk},
    "api-v1:report_get": {"report_id": lambda w: w.objects["report"].pk},
    "sources:source_list_edit": {"pk": lambda w: w.source_list.pk},
    "intake:mapping_detail": {"pk": lambda w: w.objects["saved_mapping"].pk},
    "custom_fields:custom_field_edit": {"pk": lambda w: w.objects["custom_field"].pk},
    "custom_fields:custom_field_remove": {"pk": lambda w: w.objects["custom_field"].pk},
    "linkage:batch": {"pk": lambda w: w.objects["accept_batch"].pk},
    "linkage:job": {"token": lambda w: w.objects["linkage_job"].token},
    "tella:project": {"slug": lambda w: "dozor"},
    "tella:report_create": {"project_id": lambda w: str(w.organisation.pk)},
    "tella:file": {
        "report_id": lambda w: w.objects["tella_report"].pk,
        "file_name": lambda w: "photo.jpg",
    },
    "tella:file_v2": {
        "report_id": lambda w: w.objects["tella_report"].pk,
        "file_name": lambda w: "photo.jpg",
    },
    "report:challenge_image": {"token": lambda w: challenge_new()},
    "submissions:submission_detail": {"pk": lambda w: w.objects["submission"].pk},
    "submissions:submission_accept": {"pk": lambda w: w.objects["submission"].pk},
    "submissions:submission_ask_more": {"pk": lambda w: w.objects["submission"].pk},
    "submissions:submission_close": {"pk": lambda w: w.objects["submission"].pk},
    "submissions:referral_add": {"pk": lambda w: w.objects["submission"].pk},
    "submissions:submission_file": {"pk": lambda w: w.objects["submission"].files.get().pk},
    "submissions:referral_update": {"pk": lambda w: w.objects["referral"].pk},
}


def _walk(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, list[str]]]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            for name, parameters in _walk(pattern, inner):
                yield name, list(pattern.pattern.converters) + parameters
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else str(pattern.pattern)
            yield name, list(pattern.pattern.converters)


def url_names() -> dict[str, list[str]]:
    """Every URL pattern of dozor.urls, by its namespaced name, with its parameters."""
    return dict(_walk(get_resolver("dozor.urls")))


def _url_kwargs(world: World, name: str, parameters: list[str]) -> dict[str, Any]:
    fillers = {**PARAMETERS, **PER_URL.get(name, {})}
    missing = [p for p in parameters if p not in fillers]
    assert not missing, (
        f"{name}: no object of organisation A for the parameter(s) {missing}; add them to "
        "PARAMETERS or PER_URL in tests/security/test_url_access.py"
    )
    return {p: fillers[p](world) for p in parameters}


@pytest.fixture(scope="module")
def sessions(world: World, django_db_blocker: Any) -> dict[str, str]:
    """One signed-in session per persona, made inside the world's transaction: signing in for
    each test was a seventh of its time. Each test's client carries the cookie; what a request
    does to the session (a sign-out, a new key) is rolled back with the test."""
    keys = {}
    with django_db_blocker.unblock():
        for persona in PERSONAS:
            if persona != "anonymous":
                client = Client()
                client.force_login(world.users[persona])
                keys[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return keys


@pytest.fixture(scope="module")
def api_keys(world: World, django_db_blocker: Any) -> dict[str, str]:
    """One API token per persona, of the widest scope its role may have: the JSON API
    (/api/v1/) answers a token, never a session."""
    keys = {}
    with django_db_blocker.unblock():
        for persona in PERSONAS:
            if persona != "anonymous":
                user = world.users[persona]
                scope = "write" if user.may_have_writing_token() else "read"
                keys[persona] = api_token_create(user=user, name="access", scope=scope)[1]
    return keys


@pytest.fixture(scope="module")
def tella_keys(world: World, django_db_blocker: Any) -> dict[str, str]:
    """The key each persona's phone gets from signing in to the Tella endpoints (/tella/),
    for the roles that may send reports: the others cannot sign in from Tella."""
    keys = {}
    with django_db_blocker.unblock():
        for persona in PERSONAS:
            user = world.users.get(persona)
            if user is not None and user.can_write_records():
                keys[persona] = tella_token_create(user=user)[1]
    return keys


def _client(sessions: dict[str, str], persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[persona]
    return client


def _api_client(api_keys: dict[str, str], persona: str) -> Client:
    if persona == "anonymous":
        return Client()
    return Client(headers={"Authorization": f"Bearer {api_keys[persona]}"})


# The Tella routes a browser uses with its session; the others answer a phone's key.
TELLA_PAGES = frozenset({"tella:connect", "tella:sign_ins_end"})


def _tella_client(tella_keys: dict[str, str], persona: str) -> Client:
    if persona not in tella_keys:
        return Client()
    return Client(headers={"Authorization": f"Bearer {tella_keys[persona]}"})


def _matches(response: HttpResponse, expected: str) -> bool:
    location = response.get("Location", "")
    to_login = response.status_code == 302 and location.startswith(resolve_url(settings.LOGIN_URL))
    if expected == LOGIN:
        return to_login
    if expected == OK:
        return 200 <= response.status_code < 400 and not to_login
    return response.status_code == int(expected)


def _cells(name: str) -> list[str]:
    return ACCESS[name].split()


def _expected(name: str, persona: str, method: str) -> str:
    cell = _cells(name)[PERSONAS.index(persona)]
    get, _slash, post = cell.partition("/")
    return get if method == "GET" or not post else post


def _cases() -> Iterator[Any]:
    for name in sorted(set(url_names()) | set(ACCESS)):
        for persona in PERSONAS:
            for method in ("GET", "POST"):
                yield pytest.param(name, persona, method, id=f"{name}-{persona}-{method}")


def test_every_url_has_a_row_for_every_persona() -> None:
    names = url_names()
    missing = sorted(set(names) - set(ACCESS))
    assert not missing, (
        "These URLs have no row in ACCESS (tests/security/test_url_access.py): "
        + ", ".join(missing)
        + ". Add one with what each persona gets for GET and POST."
    )
    gone = sorted(set(ACCESS) - set(names))
    assert not gone, f"ACCESS has rows for URLs that no longer exist: {', '.join(gone)}"
    for name in ACCESS:
        cells = _cells(name)
        assert len(cells) == len(PERSONAS), f"{name}: one cell per persona in {PERSONAS}"
        for cell in cells:
            parts = cell.split("/")
            assert len(parts) <= 2, f"{name}: {cell!r} is neither a value nor GET/POST"
            for part in parts:
                assert part in (OK, LOGIN) or part.isdigit(), f"{name}: cannot read {cell!r}"
    assert set(NAMES) <= set(ACCESS), "NAMES names a URL that has no row"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "persona", "method"), list(_cases()))
def test_each_persona_gets_what_the_policy_allows(
    world: World,
    sessions: dict[str, str],
    api_keys: dict[str, str],
    tella_keys: dict[str, str],
    name: str,
    persona: str,
    method: str,
) -> None:
    names = url_names()
    assert name in names, f"{name} has a row in ACCESS but is not a URL of dozor.urls"
    assert name in ACCESS, f"{name} has no row in ACCESS: add one (see docs/development.md)"
    path = reverse(name, kwargs=_url_kwargs(world, name, names[name]) or None)
    if path.startswith("/api/"):
        client = _api_client(api_keys, persona)
    elif path.startswith("/tella/") and name not in TELLA_PAGES:
        client = _tella_client(tella_keys, persona)
    else:
        client = _client(sessions, persona)
    response = client.get(path) if method == "GET" else client.post(path)
    expected = _expected(name, persona, method)
    assert _matches(response, expected), (
        f"{method} {path} as {persona}: expected {expected}, got {response.status_code} "
        f"{response.get('Location', '')}"
    )
    if name in NAMES and method == "GET" and response.status_code == 200:
        body = b"".join(response) if response.streaming else response.content  # type: ignore[attr-defined]
        text = json_readable(body, response.get("Content-Type", ""))
        if text is None:
            text = body.decode("utf-8", "replace")
        shown = VICTIM in text or PRESS_VICTIM in text
        assert shown is (persona in NAMES[name]), (
            f"GET {path} as {persona}: the victim's name "
            + ("appears" if shown else "does not appear")
            + (" although this persona may see it" if not shown else " in the page")
        )
