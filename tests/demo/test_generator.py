import collections
import datetime
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dozor.demo import generator
from dozor.demo.catalogue import load_yaml
from dozor.demo.generator import MAX_SIZE, demo_generate
from dozor.demo.russian import decline_full_name, transliterate
from dozor.vocab.geography import russian_regions
from dozor.vocab.registry import vocabulary

SIZE = 2000
LISTS = ("ngo", "press", "partner")


@pytest.fixture(scope="module")
def dataset():
    return demo_generate(size=SIZE, seed=7)


@pytest.fixture(scope="module")
def incidents_by_key(dataset):
    return {incident.key: incident for incident in dataset.incidents}


@pytest.fixture(scope="module")
def captures(dataset):
    """The set of lists that recorded each incident, by incident key."""
    recorded = collections.defaultdict(set)
    for report in dataset.reports:
        recorded[report.incident_key].add(report.source_list)
    return {incident.key: frozenset(recorded[incident.key]) for incident in dataset.incidents}


def _victims(incident):
    return [p for p in incident.persons if p.role == "victim"]


# ---- reproducibility and size ---------------------------------------------------------------


def test_the_same_seed_gives_the_same_dataset():
    assert demo_generate(size=300, seed=3) == demo_generate(size=300, seed=3)


def test_a_different_seed_gives_a_different_dataset():
    first, second = demo_generate(size=300, seed=3), demo_generate(size=300, seed=4)
    assert first.incidents != second.incidents
    assert [r.raw for r in first.reports[:50]] != [r.raw for r in second.reports[:50]]


def test_size_is_the_number_of_documented_incidents(dataset):
    assert dataset.size == SIZE
    assert sum(incident.documented for incident in dataset.incidents) == SIZE
    assert len(dataset.incidents) > SIZE  # the undocumented ones are kept too


@pytest.mark.parametrize("size", [0, -5, MAX_SIZE + 1, 2.5, "100", True])
def test_an_impossible_size_is_refused_with_a_clear_message(size):
    with pytest.raises(ValueError, match="number of documented incidents"):
        demo_generate(size=size)


def test_a_size_of_one_works():
    dataset = demo_generate(size=1, seed=0)
    assert sum(incident.documented for incident in dataset.incidents) == 1


# ---- vocabularies, regions, keys ----------------------------------------------------------------


def test_every_code_is_in_its_vocabulary(dataset):
    def check(vocabulary_name, code):
        assert code in vocabulary(vocabulary_name), f"{code!r} is not in {vocabulary_name}"

    for organisation in dataset.organisations:
        check("organisation_kind", organisation.kind)
    for source_list in dataset.source_lists:
        check("source_kind", source_list.kind)
    for incident in dataset.incidents:
        check("incident_type", incident.incident_type)
        check("target_kind", incident.target_kind)
        check("date_precision", incident.date_precision)
        check("verification_status", incident.verification_status)
        check("confidentiality", incident.confidentiality)
        assert incident.biases
        for bias in incident.biases:
            check("bias_motivation", bias.motivation)
            assert bias.indicators
            for indicator in bias.indicators:
                check("bias_indicator", indicator)
        for person in incident.persons:
            check("person_role", person.role)
            check("sex", person.sex)
            check("harm", person.harm)
            if person.role == "victim":
                check("perceived_group", person.perceived_group)
            else:
                assert person.perceived_group == ""
            if person.role == "perpetrator":
                assert person.harm in ("unknown", "unhurt")
                assert person.count >= 1
    for report in dataset.reports:
        check("incident_type", report.parsed["incident_type"])
        check("date_precision", report.parsed["date_precision"])
        for code in report.parsed["bias_motivations"]:
            check("bias_motivation", code)
        for victim in report.parsed["victims"]:
            check("sex", victim["sex"])


def test_every_region_exists(dataset):
    regions = russian_regions()
    assert {o.region for o in dataset.organisations} <= set(regions)
    assert {i.region for i in dataset.incidents} <= set(regions)
    assert {r.parsed["region"] for r in dataset.reports} - {None} <= set(regions)


def test_data_files_use_only_known_codes():
    scenarios = load_yaml("scenarios.yaml")
    names = load_yaml("names.yaml")
    regions = russian_regions()
    for spec in scenarios["hate"].values():
        assert spec["incident_type"] in vocabulary("incident_type")
        assert set(spec["groups"]) <= set(vocabulary("perceived_group").codes)
        assert set(spec["motivations"]) <= set(vocabulary("bias_motivation").codes)
        assert set(spec["indicators"]) <= set(vocabulary("bias_indicator").codes)
    for code, spec in scenarios["defenders"].items():
        flagged = vocabulary("incident_type").term(code).attributes.get("against_defenders")
        assert flagged or spec["target_kind"] == "people"
    assert set(names["group_ethnicities"]) == set(vocabulary("perceived_group").codes)
    places = load_yaml("places.yaml")
    assert set(places["hate_crime_weights"]) <= set(regions)
    assert set(places["district_towns"]) <= set(regions)


def test_reports_point_at_incidents_and_only_documented_incidents_have_reports(dataset, captures):
    keys = {incident.key for incident in dataset.incidents}
    assert len(keys) == len(dataset.incidents)
    assert {report.incident_key for report in dataset.reports} <= keys
    for incident in dataset.incidents:
        assert bool(captures[incident.key]) == incident.documented


def test_external_ids_are_unique_within_each_list(dataset):
    ids = collections.Counter((r.source_list, r.external_id) for r in dataset.reports)
    assert max(ids.values()) == 1
    assert {r.source_list for r in dataset.reports} == set(LISTS)
    assert {s.key for s in dataset.source_lists} == set(LISTS)
    assert {s.organisation for s in dataset.source_lists} <= {o.key for o in dataset.organisations}


def test_raw_and_parsed_records_are_json_serialisable(dataset):
    for report in dataset.reports:
        for record in (report.raw, report.parsed):
            assert json.loads(json.dumps(record, ensure_ascii=False)) == record
        assert set(report.parsed) == {
            "date", "date_precision", "country", "region", "locality", "incident_type",
            "bias_motivations", "killed", "injured", "victims", "target_organisation", "title",
            "summary",
        }  # fmt: skip
        assert report.parsed["country"] == "RU"
        datetime.date.fromisoformat(report.parsed["date"])


def test_the_ngo_and_the_press_name_the_targeted_organisation_the_partner_does_not(dataset):
    names = {organisation.key: organisation.name for organisation in dataset.organisations}
    targets = {incident.key: incident.target_organisation for incident in dataset.incidents}
    named = 0
    for report in dataset.reports:
        target = targets[report.incident_key]
        given = report.parsed["target_organisation"]
        if target is None or report.source_list == "partner":
            assert given is None
        elif report.source_list == "ngo":
            assert given == names[target]
            named += 1
        else:
            assert given.startswith("«") and given in names[target]
    assert named > 0


# ---- realism --------------------------------------------------------------------------------


def test_between_ten_and_twenty_five_percent_of_incidents_are_undocumented(dataset):
    undocumented = sum(not incident.documented for incident in dataset.incidents)
    assert 0.10 <= undocumented / len(dataset.incidents) <= 0.25


def test_the_lists_overlap_and_are_positively_dependent(dataset, captures):
    total = len(dataset.incidents)
    histories = collections.Counter(captures.values())
    # Every combination of lists occurs.
    assert len([h for h in histories if h]) == 7
    for list_key in LISTS:
        share = sum(list_key in h for h in captures.values()) / total
        assert 0.2 <= share <= 0.8, (list_key, share)
    for a, b in (("ngo", "press"), ("ngo", "partner"), ("press", "partner")):
        p_a = sum(a in h for h in captures.values()) / total
        p_b = sum(b in h for h in captures.values()) / total
        p_ab = sum(a in h and b in h for h in captures.values()) / total
        assert p_ab > 1.1 * p_a * p_b, (a, b)


def test_killings_and_the_two_capitals_are_recorded_more_often(dataset):
    def documented_share(incidents):
        incidents = list(incidents)
        return sum(i.documented for i in incidents) / len(incidents)

    homicides = [i for i in dataset.incidents if i.incident_type == "homicide"]
    assaults = [i for i in dataset.incidents if i.incident_type == "physical_assault"]
    assert documented_share(homicides) > documented_share(assaults)
    capitals = [i for i in dataset.incidents if i.region in ("RU-MOW", "RU-SPE")]
    elsewhere = [i for i in dataset.incidents if i.region not in ("RU-MOW", "RU-SPE")]
    assert documented_share(capitals) > documented_share(elsewhere)


def test_moscow_and_st_petersburg_hold_a_large_share(dataset):
    regions = collections.Counter(i.region for i in dataset.incidents)
    assert regions.most_common(1)[0][0] == "RU-MOW"
    assert (regions["RU-MOW"] + regions["RU-SPE"]) / len(dataset.incidents) >= 0.3
    assert len(regions) >= 40


def test_hate_crimes_are_not_counted_in_north_caucasus_republics(dataset):
    for incident in dataset.incidents:
        if incident.region in ("RU-CE", "RU-DA", "RU-IN", "RU-KB", "RU-KC", "RU-SE"):
            assert incident.defender_targeted


def test_yearly_volume_peaks_before_2010_and_declines_after(dataset):
    years = collections.Counter(i.date.year for i in dataset.incidents)
    assert min(years) >= 2004
    assert max(years) <= 2024
    assert 2006 <= years.most_common(1)[0][0] <= 2009
    assert years[2007] + years[2008] > years[2011] + years[2012]
    assert years[2011] + years[2012] > years[2015] + years[2016]
    assert years[2015] + years[2016] > years[2023] + years[2024]


def test_killed_and_injured_are_plausible_for_each_type(dataset):
    for incident in dataset.incidents:
        victims = _victims(incident)
        assert incident.killed == sum(v.harm == "killed" for v in victims)
        assert incident.injured == sum(v.harm == "injured" for v in victims)
        if incident.incident_type == "homicide":
            assert incident.killed >= 1
        else:
            assert incident.killed == 0
        if incident.target_kind == "property":
            assert incident.injured == 0
            assert not victims


def test_most_attacks_are_racist_and_against_people_of_non_slavic_appearance(dataset):
    motivations = collections.Counter(b.motivation for i in dataset.incidents for b in i.biases)
    assert motivations.most_common(1)[0][0] == "racist_xenophobic"
    assert {"antisemitic", "anti_muslim", "anti_lgbti", "other"} <= set(motivations)
    groups = collections.Counter(v.perceived_group for i in dataset.incidents for v in _victims(i))
    top = {group for group, _ in groups.most_common(3)}
    assert top <= {"central_asian", "caucasian", "non_slavic_appearance"}


def test_acts_against_defenders_target_invented_organisations(dataset):
    organisations = {o.key: o for o in dataset.organisations}
    against = [i for i in dataset.incidents if i.defender_targeted]
    assert 0.03 <= len(against) / len(dataset.incidents) <= 0.2
    for incident in against:
        term = vocabulary("incident_type").term(incident.incident_type)
        if incident.target_kind == "organisation":
            assert term.attributes.get("against_defenders")
            assert organisations[incident.target_organisation].region == incident.region
        assert incident.target_organisation in organisations
    kinds = {i.incident_type for i in against}
    assert {"search_raid", "seizure", "detention", "prosecution", "harassment", "smear"} <= kinds
    for incident in dataset.incidents:
        if not incident.defender_targeted:
            assert incident.target_organisation is None


def test_most_dates_are_exact_to_the_day(dataset):
    precisions = collections.Counter(i.date_precision for i in dataset.incidents)
    assert precisions["day"] / len(dataset.incidents) > 0.75
    assert precisions["month"] > 0
    assert precisions["year"] > 0
    for incident in dataset.incidents:
        if incident.date_precision == "month":
            assert incident.date.day == 1


def test_texts_are_russian_and_mention_the_place(dataset):
    for incident in dataset.incidents[:300]:
        assert re.search("[а-яА-Я]", incident.title)
        assert 20 < len(incident.summary) < 1000
        for text in (incident.summary, incident.title):
            assert "{" not in text and "<function" not in text, text
    for report in dataset.reports:
        for text in (report.parsed["summary"], report.parsed["title"]):
            assert "{" not in text and "<function" not in text, text


# ---- names ----------------------------------------------------------------------------------


def test_female_surnames_agree_in_sex(dataset):
    masculine = ("ов", "ев", "ёв", "ин", "ский", "цкий")
    feminine = ("ова", "ева", "ёва", "ина", "ская", "цкая")
    checked = collections.Counter()
    for incident in dataset.incidents:
        for person in incident.persons:
            if not person.name:
                continue
            surname = person.name.split(" ")[-1]
            if person.sex == "female":
                assert not surname.endswith(masculine), person.name
                checked["female"] += surname.endswith(feminine)
            elif person.sex == "male":
                assert not surname.endswith(feminine), person.name
    assert checked["female"] > 20


def test_victims_have_russian_central_asian_and_caucasian_names(dataset):
    names = load_yaml("names.yaml")["ethnicities"]
    first_names = collections.Counter()
    for incident in dataset.incidents:
        for victim in _victims(incident):
            if victim.name:
                first_names[victim.name.split(" ")[0]] += 1
    for ethnicity in ("russian", "tajik", "uzbek", "kyrgyz", "armenian", "azerbaijani", "chechen"):
        pool = set(names[ethnicity]["male"]) | set(names[ethnicity]["female"])
        assert pool & set(first_names), ethnicity


def test_no_forbidden_real_names_appear(dataset):
    forbidden = load_yaml("names.yaml")["forbidden"]
    pools = load_yaml("names.yaml")["ethnicities"]
    for pool in pools.values():
        for surname in pool["surnames"]:
            assert not any(surname.startswith(stem) for stem in forbidden), surname
    written = [p.name for i in dataset.incidents for p in i.persons]
    written += [v["name"] for r in dataset.reports for v in r.parsed["victims"]]
    for name in written:
        for word in name.split(" "):
            assert not any(word.startswith(stem) for stem in forbidden), name
    texts = " ".join(f"{i.title} {i.summary}" for i in dataset.incidents)
    for stem in ("Маркелов", "Бабуров", "Гиренко", "Политковск", "Эстемиров"):
        assert stem not in texts


def _report_victim_names(dataset, source_list):
    for report in dataset.reports:
        if report.source_list == source_list:
            for victim in report.parsed["victims"]:
                if victim["name"]:
                    yield report, victim


def test_press_reports_decline_names_as_a_journalist_writes_them(dataset, incidents_by_key):
    declined = collections.Counter()
    for report, victim in _report_victim_names(dataset, "press"):
        true_names = [p for p in _victims(incidents_by_key[report.incident_key]) if p.name]
        for person in true_names:
            for case in ("gen", "dat", "acc"):
                form = decline_full_name(person.name, person.sex, case)
                if victim["name"] == form and form != person.name:
                    declined[(case, person.sex)] += 1
        assert victim["name"] in report.raw["victims_as_written"]
    assert declined[("gen", "male")] > 10
    assert declined[("dat", "male")] > 0
    assert declined[("gen", "female")] + declined[("dat", "female")] > 0
    assert any(
        name.endswith("ой") for r in dataset.reports if r.source_list == "press"
        for name in r.raw["victims_as_written"]
    )  # fmt: skip


def test_partner_names_are_transliterated_under_several_schemes(dataset, incidents_by_key):
    schemes_seen = collections.Counter()
    for report, victim in _report_victim_names(dataset, "partner"):
        assert re.fullmatch(r"[A-Za-z .'-]+", victim["name"]), victim["name"]
        for person in _victims(incidents_by_key[report.incident_key]):
            for scheme in ("bgn", "icao", "informal"):
                if transliterate(person.name, scheme) == victim["name"]:
                    schemes_seen[scheme] += 1
    assert all(schemes_seen[s] > 0 for s in ("bgn", "icao", "informal")), schemes_seen
    raw_names = [
        v["name"] for r in dataset.reports if r.source_list == "partner" for v in r.raw["Victims"]
    ]
    assert any(re.match(r"[A-Z]+ [A-Z][a-z]", name) for name in raw_names)  # SURNAME First


def test_some_names_are_misspelt_or_lose_their_yo(dataset, incidents_by_key):
    misspelt = 0
    for report, victim in _report_victim_names(dataset, "ngo"):
        true_names = {p.name for p in _victims(incidents_by_key[report.incident_key])}
        reordered = {" ".join(reversed(n.split(" "))) for n in true_names}
        if victim["name"] not in true_names | reordered:
            misspelt += 1
    assert misspelt > 20


def test_reports_differ_from_the_truth_as_real_reports_do(dataset, incidents_by_key):
    differences = collections.Counter()
    for report in dataset.reports:
        incident = incidents_by_key[report.incident_key]
        parsed = report.parsed
        delta = (datetime.date.fromisoformat(parsed["date"]) - incident.date).days
        differences["date off by one"] += abs(delta) == 1
        differences["no region"] += parsed["region"] is None and bool(parsed["locality"])
        differences["counts"] += (parsed["killed"], parsed["injured"]) != (
            incident.killed,
            incident.injured,
        )
        differences["victim missing"] += len(parsed["victims"]) < len(_victims(incident))
        differences["type"] += parsed["incident_type"] != incident.incident_type
    reports = len(dataset.reports)
    for kind in ("date off by one", "no region", "counts", "victim missing"):
        assert 0.01 * reports < differences[kind] < 0.4 * reports, (kind, differences)
    assert differences["type"] > 0  # an early article calls a killing an assault


def test_a_city_without_a_region_is_a_real_locality(dataset, incidents_by_key):
    for report in dataset.reports:
        if report.parsed["region"] is None and report.source_list != "partner":
            incident = incidents_by_key[report.incident_key]
            assert report.parsed["locality"] == incident.locality


# ---- purity ---------------------------------------------------------------------------------


def test_the_generator_imports_no_django():
    code = (
        "import sys, dozor.demo.generator; print(any(m.startswith('django') for m in sys.modules))"
    )
    root = Path(generator.__file__).parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
    )
    assert result.stdout.strip() == "False"


def test_the_module_docstring_says_the_data_are_synthetic():
    assert "SYNTHETIC" in generator.__doc__
    assert "no generated name refers to a real person" in " ".join(generator.__doc__.split())


def test_parsed_victims_hold_only_what_the_source_wrote(dataset):
    for report in dataset.reports:
        raw, victims = report.raw, report.parsed["victims"]
        if report.source_list == "press":
            article = f"{raw['headline']} {raw['text']}"
            for victim in victims:
                assert victim["name"] in article
                if victim["age"] is not None:
                    assert f"{victim['age']}-летн" in article
            assert report.parsed["incident_type"] in vocabulary("incident_type")
            label = vocabulary("incident_type").term(report.parsed["incident_type"]).label("ru")
            assert raw["tags"][0] == label.lower()
        elif report.source_list == "ngo":
            for victim in victims:
                assert victim["name"] in raw["Пострадавшие"]
        else:
            assert [v["name"] for v in victims] == [v["name"] for v in raw["Victims"]]
