"""The official Python MCP SDK (PyPI `mcp`, pinned in requirements.txt) as a
real client of the gateway, with the SDK's default OAuth settings: discovery
from the 401, dynamic client registration as the SDK registers itself,
authorization code + PKCE, step-up on 403 insufficient_scope; or its
client-credentials provider. Only the person at the browser is scripted: the
login and consent pages of the demo authorization server are filled in by
HTTP requests. Prints one JSON object per line for tests/interop/interop.test.mjs.

  python_client.py user URL LOGIN CALLS_JSON
  python_client.py machine URL CLIENT_ID CLIENT_SECRET ISSUER CALLS_JSON

CALLS_JSON is a list of [tool, arguments] pairs.
"""

import asyncio
import html
import json
import re
import sys
import urllib.parse

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.auth.extensions.client_credentials import ClientCredentialsOAuthProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from mcp.shared.exceptions import MCPError

REDIRECT_URI = "http://127.0.0.1:8976/callback"


def report(**fields):
    print(json.dumps(fields), flush=True)


class MemoryStorage(TokenStorage):
    """Tokens and the registration, kept for the session (and reported)."""

    def __init__(self):
        self.tokens = None
        self.client = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken):
        self.tokens = tokens
        report(event="token", scope=tokens.scope, refresh_token=tokens.refresh_token is not None)

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull):
        self.client = client_info
        report(event="registered", grant_types=list(client_info.grant_types or []))


class ScriptedBrowser:
    """Plays the user's browser: follows the authorization request through the
    login and consent forms to the redirect URI, and hands the SDK the code."""

    def __init__(self, login: str):
        self.login = login
        self.result = None
        self.authorizations = 0

    async def redirect_handler(self, authorization_url: str) -> None:
        self.authorizations += 1
        query = urllib.parse.parse_qs(urllib.parse.urlparse(authorization_url).query)
        report(event="authorization", scope=query.get("scope", [""])[0], resource=query.get("resource", [""])[0],
               code_challenge_method=query.get("code_challenge_method", [""])[0])
        self.result = await self._drive(authorization_url)

    async def callback_handler(self) -> AuthorizationCodeResult:
        return self.result

    async def _drive(self, url: str) -> AuthorizationCodeResult:
        async with httpx2.AsyncClient(follow_redirects=False) as browser:
            method, data = "GET", None
            for _ in range(20):
                res = await browser.request(method, url, data=data)
                if 300 <= res.status_code < 400:
                    url = urllib.parse.urljoin(url, res.headers["location"])
                    method, data = "GET", None
                    if url.startswith(REDIRECT_URI):
                        params = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
                        if "error" in params:
                            raise RuntimeError(f"authorization failed: {params['error'][0]}")
                        return AuthorizationCodeResult(code=params["code"][0], state=params.get("state", [None])[0], iss=params.get("iss", [None])[0])
                    continue
                page = res.text
                action = re.search(r'<form[^>]*action="([^"]+)"', page)
                if not action:
                    raise RuntimeError(f"unexpected page at {url} ({res.status_code})")
                login = 'name="login"' in page
                data = {"prompt": "login", "login": self.login, "password": "demo"} if login else {"prompt": "consent"}
                url, method = urllib.parse.urljoin(url, html.unescape(action.group(1))), "POST"
            raise RuntimeError("too many redirects")


async def run_calls(provider, url: str, calls) -> None:
    async with httpx2.AsyncClient(auth=provider, timeout=httpx2.Timeout(30, read=120)) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            tools = await client.list_tools()
            report(event="tools", names=sorted(t.name for t in tools.tools))
            for name, arguments in calls:
                try:
                    result = await client.call_tool(name, arguments)
                    text = "".join(getattr(c, "text", "") for c in result.content)
                    report(event="call", tool=name, ok=not result.is_error, text=text)
                except MCPError as e:
                    report(event="call", tool=name, ok=False, error=str(e))


async def main(argv):
    mode, url = argv[1], argv[2]
    if mode == "user":
        login, calls = argv[3], json.loads(argv[4])
        browser = ScriptedBrowser(login)
        # The SDK's own client metadata defaults (grant types, application type, auth method): only the redirect URI is ours.
        provider = OAuthClientProvider(server_url=url, client_metadata=OAuthClientMetadata(redirect_uris=[REDIRECT_URI], client_name=f"python sdk ({login})"),
                                       storage=MemoryStorage(), redirect_handler=browser.redirect_handler, callback_handler=browser.callback_handler)
        await run_calls(provider, url, calls)
        report(event="done", authorizations=browser.authorizations)
    elif mode == "machine":
        client_id, secret, issuer, calls = argv[3], argv[4], argv[5], json.loads(argv[6])
        provider = ClientCredentialsOAuthProvider(server_url=url, storage=MemoryStorage(), client_id=client_id, client_secret=secret, issuer=issuer)
        await run_calls(provider, url, calls)
        report(event="done")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    asyncio.run(main(sys.argv))
