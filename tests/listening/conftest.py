"""A small council written straight into a migrated warehouse: the rows the loaders would have written."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from council_social.config import settings

LOADED = datetime(2026, 11, 1, tzinfo=UTC)


class Council:
    """Writes register, platform and Hootsuite rows; every write gets a later ``loaded_at``, as loads do."""

    def __init__(self, path):
        self.path = path
        self.clock = LOADED
        self._held = None
        self.verb = "insert or replace"

    def sql(self, statement: str, *params):
        if self._held is not None:
            return self._held.execute(statement, list(params)).fetchall()
        con = duckdb.connect(str(self.path))
        try:
            return con.execute(statement, list(params)).fetchall()
        finally:
            con.close()

    @contextmanager
    def batch(self, *, new_rows_only: bool = False):
        """One connection and transaction for many writes (opening the file per row is slow); with
        ``new_rows_only`` rows are inserted without the cost of replacing an existing one."""
        self.verb = "insert" if new_rows_only else "insert or replace"
        self._held = duckdb.connect(str(self.path))
        self._held.execute("begin transaction")
        try:
            yield self
            self._held.execute("commit")
        finally:
            self._held.close()
            self._held = None
            self.verb = "insert or replace"

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    # -- registers ---------------------------------------------------------------------------------

    def registers(self, accounts=(("x", "ManCityCouncil"), ("facebook", "mancitycouncil")),
                  brand=(("Manchester City Council", "listening"), ("@ManCityCouncil", "listening"),
                         ("Salford City Council", "comparison"), ("Trafford Council", "comparison")),
                  recipients=(("listening", "comms.lead@example.gov.uk", "to"),
                              ("listening_digest", "comms.lead@example.gov.uk", "to"),
                              ("listening_digest", "press.office@example.gov.uk", "cc")),
                  elections=(), effective=date(2020, 1, 1)) -> None:
        now = self.tick()
        for entity in ("accounts", "brand", "recipients", "elections"):
            self.sql("insert or replace into ops_file_ledger (file_sha256, source, entity, original_name,"
                     " landing_path, received_at, effective_from, status, loaded_at)"
                     " values (?, 'registers', ?, ?, ?, ?, ?, 'loaded', ?)",
                     f"sha-{entity}", entity, f"{entity}.csv", f"landing/{entity}.csv", now, effective, now)
        for line, (platform, handle) in enumerate(accounts, 2):
            self.sql("insert into register_accounts (platform, handle, handle_key, account_name, status, file_sha256,"
                     " effective_from, source_line, loaded_at) values (?, ?, ?, ?, 'active', 'sha-accounts', ?, ?, ?)",
                     platform, handle, handle.lower(), f"Council {handle}", effective, line, now)
        for line, (pattern, use) in enumerate(brand, 2):
            self.sql("insert into register_brand_patterns (pattern, use, file_sha256, effective_from, source_line,"
                     " loaded_at) values (?, ?, 'sha-brand', ?, ?, ?)", pattern, use, effective, line, now)
        for line, (report, email, copy) in enumerate(recipients, 2):
            self.sql("insert into register_report_recipients (report, email, copy, file_sha256, effective_from,"
                     " source_line, loaded_at) values (?, ?, ?, 'sha-recipients', ?, ?, ?)",
                     report, email, copy, effective, line, now)
        for line, (name, starts, ends, terms) in enumerate(elections, 2):
            self.sql("insert into register_election_periods (election, starts_on, ends_on, political_terms,"
                     " file_sha256, effective_from, source_line, loaded_at)"
                     " values (?, ?, ?, ?, 'sha-elections', ?, ?, ?)",
                     name, starts, ends, list(terms), effective, line, now)

    # -- platforms ---------------------------------------------------------------------------------

    def account(self, platform: str, account_id: str, handle: str, *, verified=False) -> None:
        self.sql("insert or replace into platform_accounts (platform, account_id, handle, handle_key, name, verified,"
                 " landing_path, loaded_at) values (?, ?, ?, ?, ?, ?, 'landing/accounts', ?)",
                 platform, account_id, handle, handle.lower(), handle, verified, self.tick())

    def mention(self, mention_id: str, at: datetime, text: str, *, platform="x", account_id="100", kind="mention",
                author="resident1", author_id=None, followers=120, verified=False, in_reply_to=None,
                conversation=None) -> None:
        self.sql(f"{self.verb} into platform_mentions (platform, mention_id, kind, mentioned_account_id,"
                 " author_id, author_handle, author_name, author_followers, author_verified, text, lang, url,"
                 " created_at, in_reply_to_id, conversation_id, landing_path, loaded_at)"
                 " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'en', ?, ?, ?, ?, 'landing/mentions', ?)",
                 platform, mention_id, kind, account_id if kind != "brand_search" else None,
                 author_id or f"id-{author}", author, author.title(), followers, verified, text,
                 f"https://x.com/{author}/status/{mention_id}", at, in_reply_to, conversation or mention_id,
                 self.tick())

    def post(self, post_id: str, at: datetime, *, platform="x", account_id="100", text="Thanks for getting in touch",
             in_reply_to=None, conversation=None) -> None:
        self.sql(f"{self.verb} into platform_posts (platform, post_id, account_id, created_at, text, permalink,"
                 " in_reply_to_id, conversation_id, landing_path, loaded_at)"
                 " values (?, ?, ?, ?, ?, ?, ?, ?, 'landing/posts', ?)",
                 platform, post_id, account_id, at, text, f"https://example.org/{post_id}", in_reply_to,
                 conversation or post_id, self.tick())

    def comment(self, comment_id: str, post_id: str, at: datetime, text: str, *, platform="facebook",
                account_id="200", parent=None, author="Pat Resident", author_id="fb-pat", from_account=False) -> None:
        self.sql(f"{self.verb} into platform_comments (platform, comment_id, post_id, account_id,"
                 " parent_comment_id, author_id, author_name, from_account, text, created_at, landing_path, loaded_at)"
                 " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'landing/comments', ?)",
                 platform, comment_id, post_id, account_id, parent, author_id, author, from_account, text, at,
                 self.tick())

    def daily(self, volumes: dict[date, int], *, account="x:mancitycouncil", platform="x") -> None:
        """listening_daily rows straight away (spike tests that need no mention text)."""
        if self._held is None:
            with self.batch():
                return self.daily(volumes, account=account, platform=platform)
        for day, count in volumes.items():
            self.sql("insert or replace into listening_daily values (?, ?, ?, 'mention', ?, 0, 0, 0, 0, 0, ?, 0, 0, 0,"
                     " 0, ?)", day, platform, account, count, count, self.tick())

    # -- the standard council ----------------------------------------------------------------------

    def standard(self) -> Council:
        """Registers, the main X account (id 100) and Facebook Page (id 200) of the council."""
        with self.batch():
            self.registers()
            self.account("x", "100", "ManCityCouncil", verified=True)
            self.account("facebook", "200", "mancitycouncil")
        return self


@pytest.fixture
def council(warehouse) -> Council:
    return Council(settings().warehouse)
