"""Issue 29: the corpus index stores each cable's DECL date and signers, beside its other metadata."""
from __future__ import annotations


from summarizer.corpus.index import index_row, write_rows
from summarizer.corpus.schema import SCHEMA_VERSION, open_for_writing
from summarizer.inputs import Record

CABLE = """C O N F I D E N T I A L TOKYO 003797

SIPDIS

E.O. 12958: DECL: 07/06/2016
TAGS: PREL JA
SUBJECT: A SUBJECT

Classified By: Ambassador J. Thomas Schieffer, reasons 1.4 (b) and (d)

1. (C) The talks went well.

VAN VOORST
"""


def test_index_row_holds_decl_and_signers(tmp_path) -> None:
    row = index_row({"summary": "The talks went well."}, Record(line=1, id=None, raw=CABLE), "sha")
    assert (row.decl, row.signers) == ("2016-07-06", ["VAN VOORST"])
    conn = open_for_writing(tmp_path / "index.sqlite")
    conn.execute("BEGIN")
    write_rows(conn, [row, index_row({}, Record(line=2, id="X", raw="1. (C) No header."), "sha")])
    conn.execute("COMMIT")
    got = conn.execute("SELECT line, decl, signers FROM cables ORDER BY line").fetchall()
    conn.close()
    assert got == [(1, "2016-07-06", "VAN VOORST"), (2, None, None)]


def test_an_index_of_the_layout_before_is_rebuilt(tmp_path) -> None:
    path = tmp_path / "index.sqlite"
    conn = open_for_writing(path)
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    conn.close()
    conn = open_for_writing(path)  # the older layout is dropped and made again, with the new columns
    columns = {r[1] for r in conn.execute("PRAGMA table_info(cables)")}
    version = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0]
    conn.close()
    assert {"decl", "signers"} <= columns and version == str(SCHEMA_VERSION)
