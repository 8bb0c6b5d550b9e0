"""A sanic-jwt-extended 1.0 service, as its documentation configures one, and a recorder of
what it answers. Run by generate.sh; nothing here runs in the test suite.

    python sanic_jwt_extended_service.py serve PORT
    python sanic_jwt_extended_service.py record PORT   # tokens + statuses as JSON on stdout
"""

import datetime
import json
import sys
import time

import jwt

from recording import call

SECRET = "sanic-jwt-extended interop secret, 32 bytes+"
PREFIX = "legacy"
LIFETIME = datetime.timedelta(days=100 * 365)
ROUTES = ["/protected", "/admin", "/staff", "/fresh"]


def configure(JWT, app):
    with JWT.initialize(app) as manager:
        manager.config.secret_key = SECRET
        manager.config.private_claim_prefix = PREFIX
        manager.config.use_acl = True
        manager.config.access_token_expires = LIFETIME
        manager.config.refresh_token_expires = LIFETIME


def serve(port):
    from sanic import Sanic
    from sanic.response import json as respond
    from sanic_jwt_extended import JWT, jwt_required

    app = Sanic("sanic_jwt_extended_interop")
    configure(JWT, app)

    @app.get("/protected")
    @jwt_required
    async def guarded(request, token):
        return respond({"identity": token.identity, "private": token.private_claims})

    @app.get("/admin")
    @jwt_required(allow=["ADMIN"])
    async def admin(request, token):
        return respond({"ok": True})

    @app.get("/staff")
    @jwt_required(deny=["GUEST"])
    async def staff(request, token):
        return respond({"ok": True})

    @app.get("/fresh")
    @jwt_required(fresh_required=True)
    async def fresh(request, token):
        return respond({"ok": True})

    @app.post("/mint")
    async def mint(request):
        # The service's own token factory, as its login view would call it.
        body = request.json
        kind = body.pop("kind")
        make = JWT.create_access_token if kind == "access" else JWT.create_refresh_token
        if "expires_in" in body:
            body["expires_delta"] = datetime.timedelta(seconds=body.pop("expires_in"))
        return respond({"token": make(**body)})

    app.run(host="127.0.0.1", port=port, single_process=True, access_log=False)


def record(port):
    recorded_at = int(time.time())
    cases = []

    def case(name, token, note):
        statuses = {}
        private = None
        for path in ROUTES:
            status, body = call(port, "GET", path, token)
            statuses[path] = status
            if path == "/protected" and status == 200:
                private = body["private"]
        cases.append({
            "name": name, "note": note, "token": token, "statuses": statuses,
            "private_claims": private,
        })

    def minted(name, note, **body):
        status, answer = call(port, "POST", "/mint", body=body)
        assert status == 200, (name, status)
        case(name, answer["token"], note)

    # Tokens the library mints, through its create_access_token / create_refresh_token.
    minted("fresh USER", "a login", kind="access", identity="alice", role="USER",
           fresh=True, private_claims={"user_id": 7})
    minted("ADMIN, not fresh", "a refreshed token", kind="access", identity="root",
           role="ADMIN", fresh=False, private_claims={"user_id": 1})
    minted("GUEST", "denied on /staff", kind="access", identity="guest", role="GUEST",
           private_claims={"user_id": 9})
    minted("no role", "allow lists refuse, deny lists pass", kind="access",
           identity="norole", private_claims={"user_id": 5})
    minted("refresh token", "never an access token", kind="refresh", identity="alice",
           role="USER", private_claims={"user_id": 7})
    minted("expired", "exp in the past", kind="access", identity="alice", role="USER",
           expires_in=-3600, private_claims={"user_id": 7})

    # Shapes the library does not mint but may meet, signed with its secret by PyJWT.
    now = recorded_at
    base = {"sub": "alice", "role": "USER", "fresh": True, "jti": "0" * 32, "iat": now,
            "nbf": now, "exp": now + int(LIFETIME.total_seconds()),
            f"{PREFIX}_user_id": 7}

    def crafted(name, note, header=None, secret=SECRET, drop=(), **claims):
        payload = {k: v for k, v in {**base, **claims}.items() if k not in drop}
        token = jwt.encode(payload, secret, algorithm="HS256",
                           headers={"class": "access"} if header is None else header)
        case(name, token.decode() if isinstance(token, bytes) else token, note)

    crafted("no class header", "the type is unknown", header={})
    crafted("class refresh", "a refresh token by its header", header={"class": "refresh"})
    crafted("another secret", "signature fails", secret="not the secret, but 32 bytes long")
    crafted("no sub", "identity missing", drop=("sub",))

    import sanic
    import sanic_jwt_extended

    print(json.dumps({
        "library": f"sanic-jwt-extended {getattr(sanic_jwt_extended, '__version__', '1.0.dev12')}",
        "sanic": sanic.__version__,
        "pyjwt": jwt.__version__,
        "recorded_at": recorded_at,
        "secret": SECRET,
        "private_claim_prefix": PREFIX,
        "routes": ROUTES,
        "cases": cases,
    }, indent=1))


if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    (serve if mode == "serve" else record)(port)
