"""A Microsoft-style OAuth 2 endpoint on 127.0.0.1 for the msal tests: real HTTPS, real msal.

msal only takes an https authority, so the server has a self-signed certificate for 127.0.0.1, made here
with `cryptography` (an msal dependency), and the tests trust it through REQUESTS_CA_BUNDLE. It answers
what msal asks during a device-code sign-in and a silent refresh:

    GET  /<tenant>/v2.0/.well-known/openid-configuration
    POST /<tenant>/oauth2/v2.0/devicecode               -> a user code and the message to show
    POST /<tenant>/oauth2/v2.0/token  device_code grant  -> access, refresh and id tokens
    POST /<tenant>/oauth2/v2.0/token  refresh_token grant -> a new access token

Every request is recorded as (method, path, form fields).
"""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import ipaddress

DEVICE_MESSAGE = "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code TEST-CODE to authenticate."


def self_signed(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def b64url(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@dataclass
class OAuthEndpoint:
    client_id: str
    username: str                      # the account that signs in (preferred_username)
    access_tokens: list[str]           # handed out in turn: the sign-in's, then each refresh's
    refresh_token: str = "refresh-token-1"
    expires_in: int = 3600             # below 300 s msal treats a cached access token as expired
    port: int = 0
    requests: list[tuple[str, str, dict]] = field(default_factory=list)
    refused: str | None = None         # an OAuth error code to answer every token request with

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def issuer(self, tenant: str) -> str:
        return f"{self.base}/{tenant}/v2.0"

    def id_token(self, tenant: str) -> str:
        now = int(time.time())
        claims = {"aud": self.client_id, "iss": self.issuer(tenant), "iat": now, "nbf": now, "exp": now + 3600,
                  "sub": "subject-1", "oid": "object-1", "tid": "tenant-1", "name": "Attendance Office",
                  "preferred_username": self.username}
        return f"{b64url({'alg': 'none', 'typ': 'JWT'})}.{b64url(claims)}.signature"

    def answer(self, method: str, path: str, form: dict) -> tuple[int, dict]:
        self.requests.append((method, path, form))
        parts = path.strip("/").split("/")
        tenant = parts[0]
        if method == "GET" and path.endswith("/v2.0/.well-known/openid-configuration"):
            oauth = f"{self.base}/{tenant}/oauth2/v2.0"
            return 200, {"issuer": self.issuer(tenant), "authorization_endpoint": f"{oauth}/authorize",
                         "token_endpoint": f"{oauth}/token", "device_authorization_endpoint": f"{oauth}/devicecode"}
        if method == "POST" and path.endswith("/oauth2/v2.0/devicecode"):
            return 200, {"device_code": "device-code-1", "user_code": "TEST-CODE", "interval": 1, "expires_in": 900,
                         "verification_uri": "https://microsoft.com/devicelogin", "message": DEVICE_MESSAGE}
        if method == "POST" and path.endswith("/oauth2/v2.0/token"):
            if self.refused:
                return 400, {"error": self.refused, "error_description": "AADSTS70000: The grant was refused. Trace ID: x"}
            grant = form.get("grant_type")
            ok = (grant == "urn:ietf:params:oauth:grant-type:device_code" and form.get("device_code") == "device-code-1"
                  or grant == "refresh_token" and form.get("refresh_token") == self.refresh_token)
            if not ok or form.get("client_id") != self.client_id or not self.access_tokens:
                return 400, {"error": "invalid_grant", "error_description": "AADSTS70000: bad grant. Trace ID: x"}
            body = {"token_type": "Bearer", "scope": form.get("scope", ""), "expires_in": self.expires_in,
                    "ext_expires_in": self.expires_in, "access_token": self.access_tokens.pop(0),
                    "refresh_token": self.refresh_token, "client_info": b64url({"uid": "object-1", "utid": "tenant-1"})}
            if grant != "refresh_token":
                body["id_token"] = self.id_token(tenant)
            return 200, body
        return 404, {"error": "not_found"}

    def grants(self) -> list[str]:
        return [form.get("grant_type", "") for method, path, form in self.requests if path.endswith("/token")]


def _handler(endpoint: OAuthEndpoint):
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, method):
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode())) if length else {}
            status, body = endpoint.answer(method, urllib.parse.urlsplit(self.path).path, form)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._reply("GET")

        def do_POST(self):
            self._reply("POST")

        def log_message(self, *args):
            pass
    return Handler


@contextlib.contextmanager
def running_endpoint(folder: Path, endpoint: OAuthEndpoint):
    """Serve `endpoint` over HTTPS on 127.0.0.1; yields the certificate file to trust."""
    cert, key = self_signed(folder)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(endpoint))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    endpoint.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield cert
    finally:
        httpd.shutdown()
        httpd.server_close()
