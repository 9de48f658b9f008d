"""Recognising a person in records and text, and rewriting landed files without them."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import zipfile

from openpyxl import load_workbook
from support import workbook

from council_social.privacy.catalogue import AuthorPaths, RecordRule
from council_social.privacy.files import erase_from_file, still_names
from council_social.privacy.identity import Identity

AUTHORS = ("author", "author name", "username")


def sam() -> Identity:
    person = Identity.from_request("@Sam_Q42")
    person.add(id="1790042", handle="Sam_Q42", name="Sam Quill", platform="x")
    return person


def test_text_redaction_is_whole_words_in_any_case_and_keeps_the_at_sign():
    person = sam()
    assert person.redact("Agree with @SAM_Q42 and sam quill, not @sam_q420 or samsung") == (
        "Agree with @[erased] and [erased], not @sam_q420 or samsung", 2)
    assert person.redact("x.com/sam_q42/status/1 by 1790042") == ("x.com/[erased]/status/1 by [erased]", 2)
    assert person.redact("Sam   Quill said")[0] == "[erased] said"


def test_a_handle_that_could_be_a_word_is_redacted_only_with_its_at_sign():
    person = Identity.from_request("@bins")
    assert person.redact("@Bins said the bins were late") == ("@[erased] said the bins were late", 1)


def test_a_one_word_display_name_claims_only_records_without_an_id():
    person = Identity.from_request("@dave_r")
    person.add(id="77", handle="dave_r", name="Dave", platform="x")
    assert person.redact("Dave said so") == ("Dave said so", 0), "a one-word name is too common to redact in text"
    assert person.owns(names=["dave"]) and not person.owns(ids=["78"], names=["Dave"])
    assert person.owns(ids=["77"]) and person.owns(handles=["@DAVE_R"])


def test_json_redaction_keeps_the_document_valid():
    person = sam()
    text, count = person.redact_json_text(json.dumps({"text": 'said "@Sam_Q42"', "author_id": 1790042}))
    assert count == 2 and json.loads(text) == {"text": 'said "@[erased]"', "author_id": "[erased]"}


def test_an_api_page_loses_their_records_and_nested_replies():
    person = sam()
    page = {"body": {"data": [{"id": "1", "from": {"id": "1790042", "name": "Sam Quill"}, "message": "mine"},
                              {"id": "2", "from": {"id": "5", "name": "Other"}, "message": "hi @sam_q42",
                               "replies": {"data": [{"id": "3", "username": "Sam_Q42", "text": "reply"}]}}]}}
    data = gzip.compress((json.dumps(page) + "\n").encode(), mtime=0)
    rules = [RecordRule("body.data", AuthorPaths(id=("from.id",), handle=("username",), name=("from.name",)),
                        nested=("replies.data",))]
    result = erase_from_file("p.jsonl.gz", data, person, rules, AUTHORS)
    kept = json.loads(gzip.decompress(result.data))
    assert kept == {"body": {"data": [{"id": "2", "from": {"id": "5", "name": "Other"}, "message": "hi @[erased]",
                                       "replies": {"data": []}}]}}
    assert (result.records, result.redactions) == (2, 1)
    assert not still_names("p.jsonl.gz", result.data, person)
    assert erase_from_file("q.jsonl.gz", gzip.compress(b'{"a": "nobody"}\n'), person, rules, AUTHORS) is None


def test_a_csv_export_keeps_its_encoding_delimiter_line_ends_and_title_block():
    person = sam()
    text = ("Stream export;;\r\nAuthor;Message;Réseau\r\n@sam_q42;mine;X\r\n@other;« hi @Sam_Q42 »;X\r\n"
            "@third;Sam Quillfeather is someone else;X\r\n")
    data = codecs.BOM_UTF8 + text.encode("utf-8")
    result = erase_from_file("export.csv", data, person, (), AUTHORS)
    assert result.data == codecs.BOM_UTF8 + ("Stream export;;\r\nAuthor;Message;Réseau\r\n@other;« hi @[erased] »;X\r\n"
                                             "@third;Sam Quillfeather is someone else;X\r\n").encode()
    latin = text.replace("«", '"').replace("»", '"').encode("cp1252")
    assert erase_from_file("export.csv", latin, person, (), AUTHORS).data.decode("cp1252").count("Réseau") == 1


def test_a_workbook_and_a_zip_of_exports_are_rewritten_member_by_member():
    person = sam()
    book = workbook(("Mentions", [["Author Name", "Message"], ["Sam Quill", "mine"], ["Other", "hi @sam_q42"]]))
    csv = b"Username,Message\nsam_q42,mine\nother,fine\n"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("mentions.xlsx", book)
        z.writestr("streams.csv", csv)
        z.writestr("readme.txt", "nothing personal")
    result = erase_from_file("exports.zip", archive.getvalue(), person, (), AUTHORS)
    rewritten = zipfile.ZipFile(io.BytesIO(result.data))
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(rewritten.read("mentions.xlsx"))).active.iter_rows()]
    assert rows == [["Author Name", "Message"], ["Other", "hi @[erased]"]]
    assert rewritten.read("streams.csv") == b"Username,Message\nother,fine\n"
    assert rewritten.read("readme.txt") == b"nothing personal"
    assert result.records == 2 and not still_names("exports.zip", result.data, person)


def test_a_file_that_cannot_be_rewritten_but_names_them_is_removed():
    assert erase_from_file("notes.bin", b"\x00\x01 from sam_q42 \x02", sam(), (), AUTHORS).data is None
