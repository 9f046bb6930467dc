"""An organisation's own bias indicators: added on the vocabulary pages with the standard term
they roll up to, offered and accepted on its own incidents only, shown under its own label to
its members alone, and written as the standard term in the ODIHR submission."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from dozor.accounts.models import User
from dozor.records.local_terms import MSG_BROADER_REQUIRED, MSG_BROADER_UNKNOWN, local_term_create
from dozor.records.models import Incident, LocalTerm
from dozor.records.services import BiasInput, IncidentInput, incident_create
from dozor.validators import MSG_NOT_IN_VOCABULARY
from tests.api.conftest import ApiClient, key_for
from tests.conftest import Cast
from tests.exports.helpers import marked_incident
from tests.records.test_views import form_data

pytestmark = pytest.mark.django_db

LABEL_EN = "Leaflets of the local movement"
LABEL_RU = "Листовки местного движения"


@pytest.fixture
def indicator(cast: Cast, admin: User) -> LocalTerm:
    return local_term_create(
        organisation=cast.organisation,
        user=admin,
        vocabulary_name="bias_indicator",
        code="leaflets",
        label_en=LABEL_EN,
        label_ru=LABEL_RU,
        broader="written_statements",
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def new_term(**changes: str) -> dict[str, str]:
    return {
        "vocabulary_name": "bias_indicator",
        "code": "leaflets",
        "label_en": LABEL_EN,
        "label_ru": LABEL_RU,
        "broader": "written_statements",
        **changes,
    }


def test_the_page_adds_an_indicator_with_its_broader_term(cast: Cast, admin: User) -> None:
    response = signed_in(admin).post("/vocabularies/new/", new_term())
    assert response.status_code == 302
    term = LocalTerm.objects.get(organisation=cast.organisation, vocabulary="bias_indicator")
    assert (term.code, term.broader) == ("local_leaflets", "written_statements")
    listing = signed_in(admin).get("/vocabularies/").content.decode()
    assert "local_leaflets" in listing and "written_statements" in listing


def test_an_indicator_without_a_broader_term_is_refused_under_that_field(admin: User) -> None:
    response = signed_in(admin).post("/vocabularies/new/", new_term(broader=""))
    assert response.status_code == 400
    assert response.context["form"].errors["broader"] == [MSG_BROADER_REQUIRED]
    assert not LocalTerm.objects.exists()


def test_a_broader_term_of_another_vocabulary_is_refused(admin: User) -> None:
    response = signed_in(admin).post("/vocabularies/new/", new_term(broader="ru_cc_116"))
    assert response.status_code == 400
    assert response.context["form"].errors["broader"] == [
        MSG_BROADER_UNKNOWN % {"value": "ru_cc_116", "vocabulary": "bias_indicator"}
    ]


def test_the_incident_form_offers_the_organisations_indicators_after_the_standard_ones(
    cast: Cast, indicator: LocalTerm
) -> None:
    form = cast.client("owner").get(reverse("records:incident_create")).context["biases"][0]
    codes = [code for code, _label in form.fields["indicators"].choices]
    assert codes[-1] == "local_leaflets" and "written_statements" in codes
    theirs = cast.client("outsider").get(reverse("records:incident_create")).context["biases"][0]
    assert "local_leaflets" not in [code for code, _label in theirs.fields["indicators"].choices]


def test_an_incident_of_the_organisation_saves_its_own_indicator(
    cast: Cast, indicator: LocalTerm
) -> None:
    response = cast.client("owner").post(
        reverse("records:incident_create"), form_data(**{"bias-0-indicators": "local_leaflets"})
    )
    assert response.status_code == 302
    incident = Incident.objects.exclude(pk=cast.incident.pk).get()
    assert incident.biases.get(motivation="racist_xenophobic").indicators == ["local_leaflets"]


def test_another_organisations_incident_may_not_carry_the_indicator(
    cast: Cast, indicator: LocalTerm
) -> None:
    data = IncidentInput(
        title="Нападение у метро",
        date_start=cast.incident.date_start,
        country="RU",
        incident_type="physical_assault",
        biases=(BiasInput(motivation="racist_xenophobic", indicators=("local_leaflets",)),),
    )
    with pytest.raises(ValidationError) as error:
        incident_create(organisation=cast.other_organisation, user=cast.outsider, data=data)
    [problem] = error.value.message_dict["biases"]
    assert (
        str(MSG_NOT_IN_VOCABULARY).split(".")[0]
        % {
            "value": "local_leaflets",
            "vocabulary": "bias_indicator",
        }
        in problem
    )
    response = cast.client("outsider").post(
        reverse("records:incident_create"), form_data(**{"bias-0-indicators": "local_leaflets"})
    )
    assert response.status_code == 400
    assert not Incident.objects.filter(organisation=cast.other_organisation).exists()


def test_the_incident_page_shows_the_own_label_to_members_and_the_broader_term_to_others(
    cast: Cast, indicator: LocalTerm
) -> None:
    incident = marked_incident(cast.owner, confidentiality="public")
    incident.biases.update(indicators=["local_leaflets"])
    address = reverse("records:incident_detail", args=[incident.reference])
    ours = cast.client("owner").get(address).content.decode()
    assert LABEL_EN in ours
    theirs = cast.client("outsider").get(address).content.decode()
    assert "Written statements or graffiti" in theirs
    assert LABEL_EN not in theirs and LABEL_RU not in theirs


def test_another_organisations_administrator_never_sees_the_labels(
    cast: Cast, other_admin: User, indicator: LocalTerm
) -> None:
    client = signed_in(other_admin)
    for address in ("/vocabularies/", "/vocabularies/new/", reverse("records:incident_create")):
        page = client.get(address).content.decode()
        assert LABEL_EN not in page and LABEL_RU not in page, address


def test_the_odihr_export_writes_the_broader_standard_term(
    cast: Cast, indicator: LocalTerm, tmp_path: Path
) -> None:
    incident = marked_incident(cast.owner)
    incident.biases.update(indicators=["local_leaflets", "symbols"])
    out = tmp_path / "odihr.csv"
    call_command(
        "export", "odihr", "--country=RU", "--year=2024", "--format=csv", f"--out={out}",
        "--user=owner",
    )  # fmt: skip
    header, row = csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")))
    cells = dict(zip(header, row, strict=True))
    assert cells["Bias indicators"] == "Written statements or graffiti; Symbols or insignia"
    written = out.read_text(encoding="utf-8-sig")
    assert "local_leaflets" not in written and LABEL_EN not in written


def test_the_api_gives_the_local_code_as_it_is(cast: Cast, indicator: LocalTerm) -> None:
    incident = marked_incident(cast.owner)
    incident.biases.update(indicators=["local_leaflets"])
    answer = ApiClient(key_for(cast.owner)).get(f"/api/v1/incidents/{incident.reference}/")
    assert answer.status_code == 200
    assert answer.json()["biases"][0]["indicators"] == ["local_leaflets"]


def test_the_dossier_names_the_indicator_by_its_own_label_for_its_organisation_only(
    cast: Cast, indicator: LocalTerm
) -> None:
    incident = marked_incident(cast.owner, confidentiality="public")
    incident.biases.update(indicators=["local_leaflets"])
    query = {"ref": incident.reference, "format": "html", "lang": "ru"}
    ours = cast.client("owner").get(reverse("responses:dossier"), query).content.decode()
    assert LABEL_RU in ours and "local_leaflets" not in ours
    theirs = cast.client("outsider").get(reverse("responses:dossier"), query).content.decode()
    assert "Надписи или граффити" in theirs
    assert LABEL_RU not in theirs and LABEL_EN not in theirs
