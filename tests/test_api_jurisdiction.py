"""Jurisdiction as a table: every route × every role × own and other bureau.

A clerk acts only on their bureau: an id of another bureau answers 404 exactly as an id that
does not exist, and changes nothing. Reviewers and admins reach every bureau; without a token
every route answers 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.api_support import (
    CAMPAIGN,
    LICENCE,
    NANJING,
    SUZHOU,
    ScriptedEngine,
    filing_data,
    licence_lines,
    page_png,
    running_service,
    scripted_pipeline,
    service_settings,
    table_counts,
    wait_for_import,
    wait_for_jobs,
)

OWN_FILING = {SUZHOU: "JS-320500-SZ-1", NANJING: "JS-320100-NJ-1"}
MISSING = {
    "filing": "JS-NOPE-404",
    "document": 987654,
    "job": 987654,
    "flag": 987654,
    "table": 987654,
    "bureau": "999999",
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    """With {filing}, {document}, {job}, {flag}, {table} (an import) or {bureau} placeholders."""
    ok: int
    body: str | None = None


ROUTES = [
    Route("GET", "/api/filings/{filing}", 200),
    Route("PUT", "/api/filings/{filing}", 200, "filing"),
    Route("GET", "/api/filings/{filing}/report", 200),
    Route("GET", "/api/filings/{filing}/history", 200),
    Route("GET", "/api/filings/{filing}/jobs", 200),
    Route("GET", "/api/filings/{filing}/events", 200),
    Route("POST", "/api/filings/{filing}/recommendation", 200, "recommendation"),
    Route("POST", "/api/filings/{filing}/documents", 202, "upload"),
    Route("GET", "/api/jobs/{job}", 200),
    Route("POST", "/api/jobs/{job}/retry", 409),  # the job did not fail: nothing to run again
    Route("GET", "/api/documents/{document}", 200),
    Route("GET", "/api/documents/{document}/original", 200),
    Route("GET", "/api/documents/{document}/pages/0/image", 200),
    Route("POST", "/api/documents/{document}/pages/0/corrections", 201, "correction"),
    Route("GET", "/api/flags/{flag}", 200),
    Route("POST", "/api/flags/{flag}/decision", 200, "decision"),
    Route("GET", "/api/bureaus/{bureau}/summary.xlsx", 200),
    Route("GET", "/api/bureaus/{bureau}/summary.csv", 200),
    Route("GET", "/api/imports/{table}", 200),
    Route("GET", "/api/selection/summary.xlsx?id={filing}", 200),
    Route("GET", "/api/selection/summary.csv?id={filing}", 200),
]
ROLES = ["clerk_sz", "clerk_nj", "reviewer", "admin"]
HOME = {"clerk_sz": SUZHOU, "clerk_nj": NANJING, "reviewer": SUZHOU, "admin": NANJING}


@dataclass
class World:
    client: Any
    users: Any
    ids: dict[str, dict[str, Any]]
    """bureau → {filing, document, job, flag, table, bureau}."""
    filings: dict[str, dict[str, Any]]
    database_url: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    root: Path = tmp_path_factory.mktemp("jurisdiction")
    filings = {
        SUZHOU: filing_data(OWN_FILING[SUZHOU], bureau=SUZHOU, serial=1),
        NANJING: filing_data(OWN_FILING[NANJING], bureau=NANJING, serial=2),
    }
    # Both licences are read as Suzhou's licence: Nanjing's filing gets mismatch flags too.
    engine = ScriptedEngine({LICENCE: licence_lines(filings[SUZHOU], established="2015年03月05日")})
    settings = service_settings(root)
    with running_service(settings, scripted_pipeline(engine)) as (client, users):
        ids: dict[str, dict[str, Any]] = {}
        for bureau, data in filings.items():
            clerk = users.headers("clerk_sz" if bureau == SUZHOU else "clerk_nj")
            assert client.post("/api/filings", json=data, headers=clerk).status_code == 201
            item = client.post(
                f"/api/filings/{data['filing_id']}/documents",
                files=[("files", ("licence.png", page_png(LICENCE), "image/png"))],
                headers=clerk,
            ).json()["data"][0]
            wait_for_jobs(client, data["filing_id"], clerk)
            flags = client.get(
                "/api/flags", params={"filing_id": data["filing_id"]}, headers=clerk
            ).json()["data"]
            table = client.post(  # its bureau's import (not a table: it fails, and is kept)
                "/api/filings/import",
                files={"file": ("征集信息表.csv", b"\x00\x01", "text/csv")},
                data={"campaign": CAMPAIGN},
                headers=clerk,
            )
            ids[bureau] = {
                "filing": data["filing_id"],
                "document": item["document"]["id"],
                "job": item["job"]["id"],
                "flag": flags[0]["id"],
                "table": wait_for_import(client, table, clerk)["id"],
                "bureau": bureau,
            }
        yield World(client, users, ids, filings, settings.effective_database_url)


def _request(world: World, route: Route, values: dict[str, Any], headers: dict[str, str]):
    path = route.path.format(**values)
    kwargs: dict[str, Any] = {"headers": headers}
    if route.body == "filing":
        bureau = values["bureau"]
        kwargs["json"] = (
            world.filings[bureau] if bureau in world.filings else filing_data(values["filing"])
        )
    elif route.body == "recommendation":
        kwargs["json"] = {"decision": "not_recommended", "reason": "材料不全"}
    elif route.body == "upload":
        kwargs["files"] = [("files", ("licence.png", page_png(LICENCE), "image/png"))]
    elif route.body == "correction":
        kwargs["json"] = {"field": "established_date", "value": "2015-03-05", "reason": "核对原件"}
    elif route.body == "decision":
        kwargs["json"] = {"decision": "confirm"}
    return world.client.request(route.method, path, **kwargs)


def _shape(response, route: Route, values: dict[str, Any]) -> tuple[int, str, str]:
    """Status, code and message with the route's own id blanked out."""
    error = response.json()["error"]
    key = next(k for k in values if "{" + k + "}" in route.path)
    return response.status_code, error["code"], error["message"].replace(str(values[key]), "<id>")


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("target", ["own", "other"])
def test_route_role_bureau(world: World, route: Route, role: str, target: str) -> None:
    home = HOME[role]
    bureau = home if target == "own" else (NANJING if home == SUZHOU else SUZHOU)
    values = world.ids[bureau]
    headers = world.users.headers(role)
    confined = role.startswith("clerk") and target == "other"
    before = table_counts(world.database_url) if confined else None
    response = _request(world, route, values, headers)
    if not confined:
        assert response.status_code == route.ok, response.text
        return
    assert response.status_code == 404, response.text
    assert table_counts(world.database_url) == before
    missing = _request(world, route, {**MISSING, "bureau": MISSING["bureau"]}, headers)
    assert _shape(response, route, values) == _shape(missing, route, MISSING)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_without_token(world: World, route: Route) -> None:
    response = _request(world, route, world.ids[SUZHOU], {})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    bad = _request(world, route, world.ids[SUZHOU], {"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/api/filings", "/api/flags"])
def test_lists_are_scoped(world: World, role: str, path: str) -> None:
    headers = world.users.headers(role)
    everything = world.client.get(path, headers=headers).json()
    bureaus = {row["bureau"] for row in everything["data"]}
    if role.startswith("clerk"):
        assert bureaus == {HOME[role]}
        foreign = NANJING if HOME[role] == SUZHOU else SUZHOU
        other = world.client.get(path, params={"bureau": foreign}, headers=headers).json()
        assert other == {"data": [], "count": 0}
        if path == "/api/flags":
            by_id = world.client.get(
                path, params={"filing_id": world.ids[foreign]["filing"]}, headers=headers
            ).json()
            assert by_id["count"] == 0
    else:
        assert bureaus == {SUZHOU, NANJING}


@pytest.mark.parametrize("role", ROLES)
def test_bureau_list_is_scoped(world: World, role: str) -> None:
    data = world.client.get("/api/bureaus", headers=world.users.headers(role)).json()
    codes = [b["code"] for b in data["data"]]
    if role.startswith("clerk"):
        assert codes == [HOME[role]]
    else:
        assert len(codes) == 16 and SUZHOU in codes


@pytest.mark.parametrize("role", ROLES)
def test_filing_for_another_bureau_is_refused(world: World, role: str) -> None:
    foreign = NANJING if HOME[role] == SUZHOU else SUZHOU
    data = filing_data(f"JS-NEW-{role}", bureau=foreign, serial=40 + ROLES.index(role))
    before = table_counts(world.database_url)
    response = world.client.post("/api/filings", json=data, headers=world.users.headers(role))
    if role.startswith("clerk"):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
        assert table_counts(world.database_url) == before
    else:
        assert response.status_code == 201


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_manage_users(world: World, role: str) -> None:
    headers = world.users.headers(role)
    body = {"name": f"new-{role}", "role": "clerk", "bureau": SUZHOU}
    created = world.client.post("/api/users", json=body, headers=headers)
    listed = world.client.get("/api/users", headers=headers)
    if role == "admin":
        assert created.status_code == 201 and created.json()["token"]
        assert listed.status_code == 200 and listed.json()["count"] >= 5
    else:
        assert created.status_code == 403 and listed.status_code == 403
        assert created.json()["error"]["code"] == "forbidden"
