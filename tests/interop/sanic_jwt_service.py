"""A sanic-jwt 1.8 service, as its documentation configures one, and a recorder of what it
answers. Run by generate.sh; nothing here runs in the test suite.

    python sanic_jwt_service.py serve PORT CONFIG     # the service
    python sanic_jwt_service.py record PORT CONFIG    # tokens + statuses as JSON on stdout

CONFIG is "defaults" (only `exp`, as sanic-jwt writes by default) or "claims" (`iat`, `nbf`,
`iss` and `aud` switched on, as its Payloads page shows).
"""

import json
import sys
import time

import jwt

from recording import call

SECRET = "sanic-jwt interop secret: 32 bytes or more"
ISSUER = "https://legacy.example"
AUDIENCE = "orders"
# Long enough for a fixture that is generated once and read for years.
LIFETIME = 100 * 365 * 24 * 3600
ROUTES = ["/protected", "/users", "/admin"]

USERS = {
    "alice": {"user_id": 1, "password": "alice-pw", "scopes": ["user:read"]},
    "root": {"user_id": 2, "password": "root-pw", "scopes": ["admin", "user"]},
    "carol": {"user_id": "c-3", "password": "carol-pw", "scopes": ["user:write"]},
}


def settings(config):
    base = {"secret": SECRET, "expiration_delta": LIFETIME}
    if config == "claims":
        base.update(
            claim_iat=True,
            claim_nbf=True,
            claim_iss=ISSUER,
            claim_aud=AUDIENCE,
        )
    return base


def serve(port, config):
    from sanic import Sanic
    from sanic.response import json as respond
    from sanic_jwt import Initialize, exceptions, protected, scoped

    app = Sanic("sanic_jwt_interop")

    async def authenticate(request, *args, **kwargs):
        name = request.json.get("username")
        user = USERS.get(name)
        if user is None or user["password"] != request.json.get("password"):
            raise exceptions.AuthenticationFailed("wrong credentials")
        return {"user_id": user["user_id"], "name": name}

    async def scopes(user, *args, **kwargs):
        return USERS[user["name"]]["scopes"]

    async def extend(payload, *args, **kwargs):
        payload["tenant"] = "acme"
        return payload

    Initialize(
        app,
        authenticate=authenticate,
        add_scopes_to_payload=scopes,
        extend_payload=extend,
        **settings(config),
    )

    @app.get("/protected")
    @protected()
    async def guarded(request):
        return respond({"ok": True})

    @app.get("/users")
    @scoped("user:read")
    async def users(request):
        return respond({"ok": True})

    @app.get("/admin")
    @scoped("admin")
    async def admin(request):
        return respond({"ok": True})

    app.run(host="127.0.0.1", port=port, single_process=True, access_log=False)


def record(port, config):
    recorded_at = int(time.time())
    cases = []

    def case(name, token, note):
        statuses = {path: call(port, "GET", path, token)[0] for path in ROUTES}
        cases.append({"name": name, "note": note, "token": token, "statuses": statuses})

    # Tokens the service itself issues, through its own POST /auth.
    for name, user in USERS.items():
        status, body = call(
            port, "POST", "/auth", body={"username": name, "password": user["password"]}
        )
        assert status == 200, (name, status)
        case(f"issued to {name}", body["access_token"], "minted by sanic-jwt's /auth")

    # Tokens in shapes sanic-jwt does not issue itself but may meet: signed with the
    # service's secret by PyJWT, every claim as the configuration requires unless named.
    now = recorded_at
    base = {"user_id": 1, "exp": now + LIFETIME, "scopes": ["user:read"]}
    if config == "claims":
        base.update(iat=now, nbf=now, iss=ISSUER, aud=AUDIENCE)

    def crafted(name, note, secret=SECRET, algorithm="HS256", drop=(), **claims):
        payload = {k: v for k, v in {**base, **claims}.items() if k not in drop}
        case(name, jwt.encode(payload, secret, algorithm=algorithm), note)

    crafted("scopes as a string", "sanic-jwt iterates it: 500", scopes="user:read")
    crafted("scopes with a null item", "sanic-jwt skips nulls", scopes=[None, "user:read"])
    crafted("no scopes claim", "scoped routes refuse", drop=("scopes",))
    crafted("scopes as an object", "sanic-jwt: 500", scopes={"user": "read"})
    crafted("empty scopes", "scoped routes refuse", scopes=[])
    crafted("namespace-only scope", "`user` grants user:read", scopes=["user"])
    crafted("integer user_id", "as sanic-jwt writes it", user_id=42)
    crafted("string user_id", "as sanic-jwt writes it", user_id="u-42")
    crafted("expired", "exp an hour ago", exp=now - 3600)
    crafted("exp as a string", "PyJWT refuses", exp=str(now + LIFETIME))
    crafted("no exp", "sanic-jwt requires exp", drop=("exp",))
    crafted("another secret", "signature fails", secret="another secret of thirty-two bytes!!")
    crafted("HS512", "algorithm not configured", algorithm="HS512",
            secret=SECRET + " and some more bytes for sixty-four of them")
    if config == "claims":
        crafted("wrong audience", "aud checked", aud="billing")
        crafted("no audience", "aud required", drop=("aud",))
        crafted("wrong issuer", "iss checked", iss="https://evil.example")
        crafted("not yet valid", "nbf an hour ahead", nbf=now + 3600)
    none_token = jwt.encode({**base}, None, algorithm="none")
    case("alg none", none_token, "never accepted")

    import sanic
    import sanic_jwt
    from sanic_jwt.configuration import defaults

    print(json.dumps({
        "library": f"sanic-jwt {sanic_jwt.__version__}",
        "sanic": sanic.__version__,
        "pyjwt": jwt.__version__,
        "config": config,
        "recorded_at": recorded_at,
        # sanic-jwt's leeway (3 minutes), which its `nbf` (now + leeway) relies on.
        "leeway": defaults["leeway"],
        "secret": SECRET,
        "issuer": ISSUER if config == "claims" else None,
        "audience": AUDIENCE if config == "claims" else None,
        "routes": ROUTES,
        "cases": cases,
    }, indent=1))


if __name__ == "__main__":
    mode, port, config = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    (serve if mode == "serve" else record)(port, config)
