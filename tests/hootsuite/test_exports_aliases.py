"""The alias file: checked when read, overridable, and how it recognises an export from its headers."""

from __future__ import annotations

import pytest

from council_social.hootsuite.aliases import ALIASES_ENV, AliasFileError, alias_file, load_aliases


def test_the_shipped_alias_file_is_versioned_and_recognises_each_export():
    aliases = load_aliases()
    assert isinstance(aliases.version, int) and aliases.path == alias_file()
    assert aliases.recognise(["Date (GMT)", "Social Network", "Post ID", "Message"]).entity.name == "messages"
    assert aliases.recognise(["Sent Time (GMT)", "Network Post ID", "Post Text"]).entity.name == "messages"
    assert aliases.recognise(["Member ID", "Full Name", "E-mail", "Role"]).entity.name == "members"
    assert aliases.recognise(["Social Profile ID", "Type", "Username", "Reauth Required"]).entity.name == "profiles"
    assert aliases.recognise(["Network", "Post ID", "Impressions", "Engagements"]).entity.name == "metrics"
    assert aliases.recognise(["Colour", "Weight"]) is None
    assert aliases.networks["x (twitter)"] == "x" and aliases.networks["facebookpage"] == "facebook"
    match = aliases.recognise(["Member ID", "Name", "Mail"])
    assert (match.entity.name, match.missing, match.unknown) == ("members", ["email"], ["Mail"])


def test_the_alias_file_can_live_elsewhere(tmp_path, monkeypatch):
    copy = tmp_path / "aliases.yaml"
    copy.write_text(alias_file().read_text().replace("version: 1", "version: 7"))
    monkeypatch.setenv(ALIASES_ENV, str(copy))
    assert alias_file() == copy and load_aliases().version == 7


@pytest.mark.parametrize(("change", "message"), [
    (("version: 1", "version: one"), "needs a whole-number 'version'"),
    (("      member_id:", "      member_number:"), "unknown column 'member_number'"),
    (("default: Europe/London", "default: Europe/Manchester"), "'Europe/Manchester' is not a time zone name"),
    (('"Approver", ', '"Approver", "Message", '), "is listed under both 'text' and 'approved_by'"),
])
def test_a_broken_alias_file_is_refused_saying_where(tmp_path, change, message):
    broken = tmp_path / "aliases.yaml"
    text = alias_file().read_text()
    assert change[0] in text
    broken.write_text(text.replace(change[0], change[1], 1))
    with pytest.raises(AliasFileError, match="aliases.yaml") as raised:
        load_aliases(broken)
    assert message in str(raised.value)
