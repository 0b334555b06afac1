"""The optional login for the whole dashboard (dash_app/login.py): off by default; with a users file,
every page and callback needs a known name and its password, the health probe stays open, and the API
stays behind its token or, without one, behind the login too."""

import base64
import io

import pytest
from werkzeug.security import generate_password_hash

from dash_app import AppConfig, create_app
from dash_app.login import UsersFileError, checker, main, read_users
from layouts.performance import DIV_SAVINGS_TABLE, INPUT_SAVINGS_PHOTOS, INPUT_SAVINGS_SECONDS


def _basic(name, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


@pytest.fixture
def users_file(tmp_path):
    path = tmp_path / "users.txt"
    path.write_text(f"# the client's reviewers\nalice:{generate_password_hash('s3cret')}\n")
    return path


def test_login001_the_users_file_holds_hashes_and_names_a_bad_line(tmp_path, users_file, capsys, monkeypatch):
    check = checker(read_users(users_file))
    assert check("alice", "s3cret") and not check("alice", "wrong") and not check("bob", "s3cret")
    bad = tmp_path / "bad.txt"
    bad.write_text("alice:s3cret\n")  # a password in the clear, not a hash
    with pytest.raises(UsersFileError, match="line 1: expected 'name:hash'"):
        read_users(bad)
    with pytest.raises(UsersFileError, match="cannot be read"):
        read_users(tmp_path / "absent.txt")
    monkeypatch.setattr("getpass.getpass", lambda prompt: "pa:ss")
    assert main(["carol"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("carol:") and "pa:ss" not in line
    assert checker(dict([line.split(":", 1)]))("carol", "pa:ss")
    assert main(["a:b"]) == 2


def test_login002_with_a_users_file_every_page_needs_a_login_and_the_api_no_open_door(tiny_artifacts, users_file,
                                                                                    png):
    _, out = tiny_artifacts
    open_app = create_app(AppConfig(artifacts_dir=out)).server.test_client()
    assert open_app.get("/performance").status_code == 200  # off by default

    locked = create_app(AppConfig(artifacts_dir=out, users_file=users_file)).server.test_client()
    assert locked.get("/performance").status_code == 401
    assert locked.get("/performance", headers=_basic("alice", "wrong")).status_code == 401
    assert locked.get("/performance", headers=_basic("alice", "s3cret")).status_code == 200
    savings = {"output": f"{DIV_SAVINGS_TABLE}.children", "outputs": {"id": DIV_SAVINGS_TABLE, "property": "children"},
               "inputs": [{"id": INPUT_SAVINGS_PHOTOS, "property": "value", "value": 10},
                          {"id": INPUT_SAVINGS_SECONDS, "property": "value", "value": 5}], "changedPropIds": []}
    assert locked.post("/_dash-update-component", json=savings).status_code == 401  # the callbacks too
    assert locked.post("/_dash-update-component", json=savings, headers=_basic("alice", "s3cret")).status_code == 200
    assert locked.get("/api/health").status_code == 200  # the platform's probe
    photo = {"file": (io.BytesIO(png()), "cat.png")}
    assert locked.post("/api/predict", data=photo).status_code == 401  # no token: behind the login
    tokened = create_app(AppConfig(artifacts_dir=out, users_file=users_file, api_token="t0ken")).server.test_client()
    photo = {"file": (io.BytesIO(png()), "cat.png")}
    assert tokened.post("/api/predict", data=photo, headers={"Authorization": "Bearer t0ken"}).status_code == 200
    assert tokened.get("/").status_code == 401
