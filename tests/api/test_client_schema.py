"""dozor.client's dataclasses against the OpenAPI schema the server serves: a field renamed,
dropped or made nullable in the API breaks a test here before it breaks a partner's program.

The client builds each dataclass from an answer by the dataclass's own field names and takes
what is missing as None (so that a newer server adding fields still works with it): a field the
API renamed would come back as None without a word. Each dataclass therefore names the
component it mirrors, and every one of its fields must be a property the server always sends.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import types
import typing
from collections import defaultdict
from typing import Any

import pytest
from django.test import Client as DjangoClient
from ninja import Schema

import dozor.api
import dozor.client
from dozor.client import (
    EstimateRun,
    EstimateRunRow,
    Import,
    Incident,
    IncidentRow,
    MethodResult,
    QuarantinedRecord,
    RowProblem,
    Stratum,
)

# The component of the schema each of the client's dataclasses mirrors.
MIRRORS: dict[type, str] = {
    IncidentRow: "IncidentRow",
    Incident: "IncidentOut",
    RowProblem: "RowProblemOut",
    QuarantinedRecord: "QuarantinedOut",
    Import: "ImportOut",
    MethodResult: "MethodResultOut",
    Stratum: "StratumOut",
    EstimateRunRow: "RunRow",
    EstimateRun: "RunOut",
}
# A component's properties its dataclass leaves out on purpose (none yet): any other property
# the API adds is one the client's users should get.
NOT_CARRIED: dict[str, set[str]] = {}

# Where the client reads each dataclass: the operation, its success status, and where in the
# answer the dataclass is ("" the answer itself, "[]" each item of it, "results[]" each item of
# a page's results).
READS: list[tuple[str, str, int, str, type]] = [
    ("get", "/incidents/", 200, "results[]", IncidentRow),
    ("get", "/incidents/{reference}/", 200, "", Incident),
    ("post", "/incidents/", 201, "", Incident),
    ("patch", "/incidents/{reference}/", 200, "", Incident),
    ("post", "/reports/", 201, "", Import),
    ("post", "/reports/", 200, "", Import),
    ("get", "/estimate-runs/", 200, "[]", EstimateRunRow),
    ("post", "/estimate-runs/", 202, "", EstimateRun),
    ("get", "/estimate-runs/{run_id}/", 200, "", EstimateRun),
    ("post", "/estimate-runs/{run_id}/cancel/", 200, "", EstimateRun),
]

REF = "#/components/schemas/"


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    """The schema as /api/v1/schema/ serves it, to anyone."""
    with django_db_blocker.unblock():
        answer = DjangoClient().get("/api/v1/schema/")
    assert answer.status_code == 200
    served: dict[str, Any] = answer.json()
    return served


def _component(schema: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = schema["components"]["schemas"][name]
    return found


def _referenced(node: dict[str, Any]) -> str | None:
    """The component a schema node stands for: a $ref, or the one non-null choice of anyOf."""
    if "$ref" in node:
        return str(node["$ref"]).removeprefix(REF)
    choices = [c for c in node.get("anyOf", []) if c.get("type") != "null"]
    return _referenced(choices[0]) if len(choices) == 1 else None


def _nullable(node: dict[str, Any]) -> bool:
    kinds = node.get("type")
    return (
        kinds == "null"
        or (isinstance(kinds, list) and "null" in kinds)
        or any(_nullable(choice) for choice in node.get("anyOf", []))
    )


def _optional(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    return origin in (typing.Union, types.UnionType) and type(None) in typing.get_args(annotation)


def _dataclasses_of_the_client() -> set[type]:
    return {
        value
        for name in dozor.client.__all__
        if inspect.isclass(value := getattr(dozor.client, name)) and dataclasses.is_dataclass(value)
    }


def test_every_dataclass_of_the_client_names_the_component_it_mirrors(
    schema: dict[str, Any],
) -> None:
    assert set(MIRRORS) == _dataclasses_of_the_client()
    assert set(MIRRORS.values()) <= set(schema["components"]["schemas"])


@pytest.mark.parametrize("mirror", MIRRORS, ids=lambda cls: cls.__name__)
def test_every_field_of_a_dataclass_is_a_property_the_server_always_sends(
    schema: dict[str, Any], mirror: type
) -> None:
    component = _component(schema, MIRRORS[mirror])
    fields = {field.name for field in dataclasses.fields(mirror)}
    assert fields - set(component["properties"]) == set(), "not in the schema"
    assert fields - set(component.get("required", [])) == set(), "not always sent"


@pytest.mark.parametrize("mirror", MIRRORS, ids=lambda cls: cls.__name__)
def test_every_property_of_a_component_reaches_its_dataclass(
    schema: dict[str, Any], mirror: type
) -> None:
    name = MIRRORS[mirror]
    properties = set(_component(schema, name)["properties"])
    fields = {field.name for field in dataclasses.fields(mirror)}
    assert properties - fields - NOT_CARRIED.get(name, set()) == set()


@pytest.mark.parametrize("mirror", MIRRORS, ids=lambda cls: cls.__name__)
def test_a_property_the_schema_lets_be_null_is_optional_in_its_dataclass(
    schema: dict[str, Any], mirror: type
) -> None:
    properties = _component(schema, MIRRORS[mirror])["properties"]
    hints = typing.get_type_hints(mirror)
    not_optional = [
        field.name
        for field in dataclasses.fields(mirror)
        if _nullable(properties.get(field.name, {})) and not _optional(hints[field.name])
    ]
    assert not_optional == []


def test_a_nested_dataclass_mirrors_the_component_its_property_holds(
    schema: dict[str, Any],
) -> None:
    nested = {
        (mirror.__name__, name): MIRRORS[item]
        for mirror in MIRRORS
        for name, hint in typing.get_type_hints(mirror).items()
        if typing.get_origin(hint) is list and (item := typing.get_args(hint)[0]) in MIRRORS
    }
    assert nested, "the runs' groups, their results and the imports' quarantine are nested"
    held = {}
    for mirror in MIRRORS:
        properties = _component(schema, MIRRORS[mirror])["properties"]
        for key in nested:
            if key[0] == mirror.__name__ and properties[key[1]]["type"] == "array":
                held[key] = _referenced(properties[key[1]]["items"])
    assert held == nested


@pytest.mark.parametrize(
    ("method", "path", "status", "where", "mirror"),
    READS,
    ids=[f"{method} {path} {status}" for method, path, status, _w, _m in READS],
)
def test_the_client_reads_each_answer_as_the_dataclass_of_its_component(
    schema: dict[str, Any], method: str, path: str, status: int, where: str, mirror: type
) -> None:
    responses = schema["paths"][f"/api/v1{path}"][method]["responses"]
    node = responses[str(status)]["content"]["application/json"]["schema"]
    if where.startswith("results"):
        node = _component(schema, str(_referenced(node)))["properties"]["results"]
    if where.endswith("[]"):
        assert node["type"] == "array"
        node = node["items"]
    assert _referenced(node) == MIRRORS[mirror]


def test_no_two_schemas_of_the_api_share_a_component_name() -> None:
    """Components are named by their classes: two classes of one name are one component, and
    the schema describes one of them where the other is answered."""
    classes: dict[str, set[str]] = defaultdict(set)
    for module_info in pkgutil.iter_modules(dozor.api.__path__, "dozor.api."):
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Schema) and value is not Schema:
                classes[name].add(f"{value.__module__}.{value.__qualname__}")
    assert {name: found for name, found in classes.items() if len(found) > 1} == {}
