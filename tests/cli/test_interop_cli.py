"""``bastion decode``: counts, JSON lines, and exit code 2 on bad files."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bastion.cli.main import app

runner = CliRunner()


def test_decode_asterix_pcap(shared, tmp_path):
    out = tmp_path / "records.jsonl"
    res = runner.invoke(app, ["decode", str(shared / "data/asterix/cat_034_048.pcap"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "128" in res.output and "34" in res.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 162 and {r["category"] for r in rows} == {34, 48}


def test_decode_beast(shared, tmp_path):
    out = tmp_path / "beast.jsonl"
    res = runner.invoke(
        app, ["decode", str(shared / "data/adsb/sample_dump1090_beast.bin"), "--format", "beast", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 239 and all("df" in r and "icao24" in r for r in rows)


def test_bad_files_exit_2(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\xff" * 50)
    for args in (
        ["decode", str(tmp_path / "missing.pcap")],
        ["decode", str(junk)],
        ["decode", str(junk), "--format", "avr"],
        ["decode", str(junk), "--format", "mp3"],
    ):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
