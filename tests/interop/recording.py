"""What both recorders share: one HTTP request to the service under record, on loopback."""

import json
import urllib.error
import urllib.request


def call(port, method, path, token=None, body=None):
    """(status, JSON body or None) of one request, with a bearer token and a JSON body."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, data=data, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, None
