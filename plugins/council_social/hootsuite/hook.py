"""The Airflow connection to Hootsuite's REST API (``hootsuite_default``).

Fields: host = base URL (empty for ``https://platform.hootsuite.com``; the demo points it at the
fake server), login = the app's OAuth client id, password = its client secret, extras
``refresh_token`` (the first token issued to the app) and ``organization_id``.

Refresh tokens are single-use and a task cannot rewrite a Connection in Airflow 3, so the token
each refresh returns is kept in the Variable ``<conn_id>__refresh_token`` (encrypted, and masked
because its key names a token); the connection's token is the fallback when that Variable is
missing or refused. See docs/hootsuite-api.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook

from council_social.config import HOOTSUITE_CONN_ID

if TYPE_CHECKING:
    from council_social.hootsuite.api import HootsuiteClient, TokenStore


def base_url_of(host: str | None, port: int | None = None) -> str | None:
    """The connection's host as a base URL; a bare host name means HTTPS."""
    if not host:
        return None
    host = host.strip().rstrip("/")
    if "://" not in host:
        host = f"https://{host}" + (f":{port}" if port else "")
    return host


class HootsuiteHook(BaseHook):
    """Reads the ``hootsuite`` connection and makes API clients; create it inside a task, never at import."""

    conn_name_attr = "hootsuite_conn_id"
    default_conn_name = HOOTSUITE_CONN_ID
    conn_type = "hootsuite"
    hook_name = "Hootsuite"

    def __init__(self, hootsuite_conn_id: str = default_conn_name, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hootsuite_conn_id = hootsuite_conn_id
        self._connection = None

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            "hidden_fields": ["schema", "port"],
            "relabeling": {"host": "Base URL", "login": "Client ID", "password": "Client secret"},
            "placeholders": {
                "host": "https://platform.hootsuite.com",
                "extra": '{"refresh_token": "<issued to the app>", "organization_id": "<Hootsuite organisation id>"}',
            },
        }

    @property
    def connection(self):
        if self._connection is None:
            self._connection = self.get_connection(self.hootsuite_conn_id)
        return self._connection

    @property
    def organization_id(self) -> str:
        organization = self.connection.extra_dejson.get("organization_id")
        if not organization:
            raise ValueError(f"the connection '{self.hootsuite_conn_id}' needs the extra 'organization_id' "
                             "(the Hootsuite organisation whose members and messages are read)")
        return str(organization)

    @property
    def token_variable(self) -> str:
        from council_social.hootsuite.api import refresh_token_variable

        return refresh_token_variable(self.hootsuite_conn_id)

    def token_store(self) -> TokenStore:
        from council_social.hootsuite.api import VariableTokenStore

        return VariableTokenStore(self.token_variable)

    def get_conn(self) -> HootsuiteClient:
        return self.get_client()

    def get_client(self, *, token_store: TokenStore | None = None, **options) -> HootsuiteClient:
        """A client for this connection; ``options`` go to ``HootsuiteClient`` (pacing, retries, workers).

        The extra ``requests_per_second`` overrides the pacing (Hootsuite allows 20).
        """
        from council_social.hootsuite.api import HootsuiteClient, mask

        connection = self.connection
        extra = connection.extra_dejson
        mask(connection.password, extra.get("refresh_token"))
        if extra.get("requests_per_second"):
            options.setdefault("requests_per_second", float(extra["requests_per_second"]))
        return HootsuiteClient(
            base_url=base_url_of(connection.host, connection.port),
            client_id=connection.login or "",
            client_secret=connection.password or "",
            initial_refresh_token=extra.get("refresh_token"),
            token_store=token_store or self.token_store(),
            token_variable=self.token_variable,
            conn_id=self.hootsuite_conn_id,
            **options,
        )
