"""Absolute URLs come from PUBLIC_URL, never from the Host header a client sends; TRUSTED_HOSTS
refuses other hosts with a 400 in the user's language."""

from __future__ import annotations

import pytest

from .reporting import build_world, open311_data

EVIL = "evil.example"
PUBLIC = "https://layanan.bekasikota.go.id"


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def outputs(client) -> dict[str, str]:
    """Every answer that carries absolute URLs, asked with a forged Host header."""
    headers = {"Host": EVIL}
    posted = client.post("/open311/v2/requests.json", data=open311_data(), headers=headers)
    assert posted.status_code == 201, posted.get_data(as_text=True)
    return {
        "feed": client.get("/feed.atom", headers=headers).get_data(as_text=True),
        "discovery": client.get("/open311/v2/discovery.json", headers=headers).get_data(as_text=True),
        "open311 notice": posted.get_data(as_text=True),
        "openapi": client.get("/api/v1/openapi.json", headers=headers).get_data(as_text=True),
        "api unit": client.get("/api/v1/units/disdukcapil-mpp", headers=headers).get_data(as_text=True),
        "ics": client.get("/unit/disdukcapil-mpp.ics", headers=headers).get_data(as_text=True),
    }


@pytest.mark.config(PUBLIC_URL=PUBLIC + "/")
def test_forged_host_never_reaches_feed_open311_openapi_or_ics(client, world):
    for name, body in outputs(client).items():
        assert EVIL not in body, name
        assert PUBLIC in body, name
    openapi = client.get("/api/v1/openapi.json", headers={"Host": EVIL}).get_json()
    assert openapi["servers"] == [{"url": PUBLIC}]
    discovery = client.get("/open311/v2/discovery.json", headers={"Host": EVIL}).get_json()
    assert discovery["endpoints"][0]["url"] == PUBLIC + "/open311/v2"
    ics = client.get("/unit/disdukcapil-mpp.ics", headers={"Host": EVIL}).get_data(as_text=True)
    assert "@layanan.bekasikota.go.id" in ics  # UIDs are named after the public host


def test_without_public_url_development_uses_the_request_host(client, world):
    """The fallback for development: the request's own address."""
    body = client.get("/feed.atom", headers={"Host": "127.0.0.1:5000"}).get_data(as_text=True)
    assert "http://127.0.0.1:5000/feed.atom" in body


@pytest.mark.config(TRUSTED_HOSTS=["layanan.bekasikota.go.id", "localhost"])
@pytest.mark.parametrize("path", ["/", "/feed.atom", "/api/v1/openapi.json", "/open311/v2/discovery.json",
                                  "/admin/login", "/nowhere"])
def test_untrusted_host_gets_400_in_indonesian(client, world, path):
    response = client.get(path, headers={"Host": EVIL})
    assert response.status_code == 400
    assert "Alamat situs" in response.get_data(as_text=True)
    assert EVIL not in response.get_data(as_text=True)
    english = client.get(path + "?lang=en", headers={"Host": EVIL})
    assert english.status_code == 400 and "site address" in english.get_data(as_text=True)
    assert client.get(path, headers={"Host": "layanan.bekasikota.go.id"}).status_code in (200, 404)


@pytest.mark.config(TRUSTED_HOSTS=["layanan.bekasikota.go.id"])
def test_untrusted_host_stores_nothing(app, client, world):
    from .reporting import stored

    before = stored(app)
    response = client.post("/open311/v2/requests.json", data=open311_data(), headers={"Host": EVIL})
    assert response.status_code == 400
    assert stored(app) == before


@pytest.mark.config(TRUSTED_HOSTS="layanan.bekasikota.go.id, localhost")
def test_trusted_hosts_from_the_environment_is_a_comma_separated_list(app, client, world):
    """FLASK_TRUSTED_HOSTS=a,b arrives as one string; it must not be read character by character."""
    assert app.config["TRUSTED_HOSTS"] == ["layanan.bekasikota.go.id", "localhost"]
    assert client.get("/", headers={"Host": "layanan.bekasikota.go.id"}).status_code == 200
    assert client.get("/", headers={"Host": "l"}).status_code == 400
