import pytest
from django.urls import reverse

from dozor.records.models import Incident
from tests.conftest import Cast
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def form_data(**changes: str) -> dict[str, str]:
    data = {
        "title": "Нападение у метро",
        "summary": "Двое напали на мужчину.",
        "summary_language": "ru",
        "date_precision": "day",
        "date_start": "2009-01-19",
        "date_end": "",
        "country": "RU",
        "region": "RU-MOW",
        "locality": "Москва",
        "location_precision": "locality",
        "incident_type": "physical_assault",
        "target_kind": "people",
        "killed": "0",
        "injured": "1",
        "verification_status": "unverified",
        "confidentiality": "restricted",
        "bias-TOTAL_FORMS": "3",
        "bias-INITIAL_FORMS": "0",
        "bias-MIN_NUM_FORMS": "0",
        "bias-MAX_NUM_FORMS": "10",
        "bias-0-motivation": "racist_xenophobic",
        "bias-0-indicators": "perpetrator_statements",
        "bias-1-motivation": "anti_muslim",
        "person-TOTAL_FORMS": "2",
        "person-INITIAL_FORMS": "0",
        "person-MIN_NUM_FORMS": "0",
        "person-MAX_NUM_FORMS": "200",
    }
    for row in range(2):
        data.update(
            {
                f"person-{row}-role": "victim",
                f"person-{row}-sex": "unknown",
                f"person-{row}-harm": "unknown",
                f"person-{row}-count": "1",
            }
        )
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("colleague", 200), ("outsider", 200), ("anonymous", 302)],
)
def test_list_access(cast: Cast, who: str, status: int) -> None:
    response = cast.client(who).get(reverse("records:incident_list"))
    assert response.status_code == status
    if status == 200:
        assert (cast.incident.reference in response.content.decode()) == (who != "outsider")
    else:
        assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("colleague", 200), ("outsider", 404), ("anonymous", 302)]
)
def test_detail_access(cast: Cast, who: str, status: int) -> None:
    url = reverse("records:incident_detail", args=[cast.incident.reference])
    response = cast.client(who).get(url)
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("colleague", 200), ("reader", 403), ("outsider", 404), ("anonymous", 302)],
)
def test_edit_access(cast: Cast, who: str, status: int) -> None:
    url = reverse("records:incident_edit", args=[cast.incident.reference])
    assert cast.client(who).get(url).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("colleague", 200), ("reader", 403), ("outsider", 200), ("anonymous", 302)],
)
def test_create_page_access(cast: Cast, who: str, status: int) -> None:
    assert cast.client(who).get(reverse("records:incident_create")).status_code == status


def test_outsider_cannot_change_an_incident_by_posting(cast: Cast) -> None:
    url = reverse("records:incident_edit", args=[cast.incident.reference])
    response = cast.client("outsider").post(url, form_data(title="Взлом"))
    assert response.status_code == 404
    cast.incident.refresh_from_db()
    assert cast.incident.title != "Взлом"


def test_creating_an_incident_redirects_to_it(cast: Cast) -> None:
    response = cast.client("owner").post(reverse("records:incident_create"), form_data())
    assert response.status_code == 302
    incident = Incident.objects.get(title="Нападение у метро")
    assert response["Location"] == reverse("records:incident_detail", args=[incident.reference])
    assert set(incident.biases.values_list("motivation", flat=True)) == {
        "racist_xenophobic",
        "anti_muslim",
    }
    assert incident.organisation == cast.organisation
    assert not incident.people.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date_start": "2023-02-30"}, "Enter a valid date."),
        ({"region": "RU-ZZZ"}, "is not a region of"),
        ({"country": "DE", "region": "RU-MOW"}, "is not a region of Germany"),
        ({"killed": "-2"}, "greater than or equal to 0"),
        ({"title": "x" * 400}, "at most 300 characters"),
    ],
)
def test_bad_input_is_shown_in_the_form_and_nothing_is_saved(
    cast: Cast, changes: dict[str, str], message: str
) -> None:
    before = Incident.objects.count()
    response = cast.client("owner").post(reverse("records:incident_create"), form_data(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Incident.objects.count() == before


def test_a_ten_megabyte_title_gets_a_message_not_a_crash(cast: Cast) -> None:
    before = Incident.objects.count()
    response = cast.client("owner").post(
        reverse("records:incident_create"), form_data(title="x" * (10 * 1024 * 1024))
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert Incident.objects.count() == before


def test_form_errors_are_in_russian_for_a_russian_interface(cast: Cast) -> None:
    client = cast.client("owner")
    client.cookies["django_language"] = "ru"
    response = client.post(reverse("records:incident_create"), form_data(region="RU-ZZZ"))
    assert "не является регионом" in response.content.decode()


def test_names_are_shown_to_documenters_and_pseudonyms_to_readers(cast: Cast) -> None:
    PersonFactory(incident=cast.incident, name="Фарход Каримзода", pseudonym="Victim A")
    url = reverse("records:incident_detail", args=[cast.incident.reference])
    assert "Фарход Каримзода" in cast.client("owner").get(url).content.decode()
    page = cast.client("reader").get(url).content.decode()
    assert "Фарход Каримзода" not in page and "Victim A" in page


def test_list_filter_with_a_bad_date_says_so_and_still_lists(cast: Cast) -> None:
    response = cast.client("owner").get(
        reverse("records:incident_list"), {"date_from": "2008-13-45"}
    )
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert cast.incident.reference in response.content.decode()


def test_switching_to_russian_translates_labels_and_vocabulary(cast: Cast) -> None:
    client = cast.client("owner")
    response = client.post(reverse("set_language"), {"language": "ru", "next": "/incidents/"})
    assert response.status_code == 302
    page = client.get(reverse("records:incident_list")).content.decode()
    assert "Инциденты" in page and "Нападение" in page and "Мотив ненависти" in page


def test_a_bias_motivation_given_twice_is_explained_beside_the_bias_rows(cast: Cast) -> None:
    response = cast.client("owner").post(
        reverse("records:incident_create"),
        form_data(**{"bias-1-motivation": "racist_xenophobic"}),
    )
    assert response.status_code == 400
    assert "is given twice" in response.content.decode()
    assert not Incident.objects.filter(title="Нападение у метро").exists()
