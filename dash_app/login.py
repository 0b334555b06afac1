"""An optional login for the whole dashboard: HTTP basic auth (dash-auth) against a users file.

Off unless `DASHBOARD_USERS_FILE` names a file. Each line of it is `name:hash`, the hash made by
werkzeug (`python -m dash_app.login NAME` prints such a line), so the file never holds a password.
Behind it are every page and every callback; `/api/health` stays open for the platform's probes, and
`/api/predict` stays behind its own bearer token when `API_TOKEN` is set, else behind the login too,
so no door is left open beside a locked one. Basic auth sends the password on every request: serve it
over HTTPS only.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

PUBLIC_ROUTES = ["/api/health"]
TOKEN_ROUTES = ["/api/predict"]  # with API_TOKEN set, guarded by the token instead


class UsersFileError(ValueError):
    """A users file that cannot be read, naming the line to fix."""


def read_users(path: Path) -> dict[str, str]:
    """Name -> password hash, from a users file; refuses a line that is not `name:hash`."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as exc:
        raise UsersFileError(f"DASHBOARD_USERS_FILE {path}: cannot be read ({exc.strerror})") from None
    users = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, hashed = line.strip().partition(":")
        if not (sep and name and "$" in hashed):  # werkzeug's hashes read method$salt$digest
            raise UsersFileError(f"DASHBOARD_USERS_FILE {path}, line {number}: expected 'name:hash' as "
                                 "`python -m dash_app.login NAME` prints it")
        users[name] = hashed
    if not users:
        raise UsersFileError(f"DASHBOARD_USERS_FILE {path}: names no user; add one with `python -m dash_app.login NAME`")
    return users


def checker(users: dict[str, str]):
    """dash-auth's check: the name is known and the password matches its hash (in constant time for
    unknown names too, so a timing does not tell which names exist)."""
    decoy = generate_password_hash("not a password")

    def check(name: str, password: str) -> bool:
        return check_password_hash(users.get(name, decoy), password) and name in users
    return check


def protect(app, users_file: Path, api_token: str | None) -> None:
    """Put the whole dashboard behind a login for the users in `users_file`."""
    import dash_auth

    public = PUBLIC_ROUTES + (TOKEN_ROUTES if api_token else [])
    dash_auth.BasicAuth(app, auth_func=checker(read_users(users_file)), public_routes=public)


def main(argv: list[str] | None = None) -> int:
    """Print a users-file line for NAME, asking for the password without echoing it."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or ":" in args[0]:
        print("usage: python -m dash_app.login NAME   (a name without ':'); append the line it prints to the "
              "DASHBOARD_USERS_FILE", file=sys.stderr)
        return 2
    password = getpass.getpass(f"password for {args[0]}: ")
    print(f"{args[0]}:{generate_password_hash(password)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
