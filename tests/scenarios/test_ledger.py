"""The tamper-evident ledger (scenarios.common.ledger): every change is caught and named, concurrent appends keep one
chain, a crash while appending leaves a valid chain, and a finished run is recorded with its files."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from pydantic import BaseModel

from scenarios.cli import main
from scenarios.common.ledger import (
    GENESIS,
    append_record,
    ledger_path_for,
    read_ledger,
    record_digest,
    record_folder,
    repair_ledger,
    using_ledger,
    verify_ledger,
)
from scenarios.common.results import output_folder, write_folder_manifest


def _runs(tmp_path: Path, count: int = 4) -> Path:
    """``count`` output folders under tmp_path/results, each recorded in tmp_path/results/ledger.jsonl."""
    results = tmp_path / "results"
    for index in range(count):
        folder = results / f"run{index}"
        (folder / "sub").mkdir(parents=True)
        (folder / "out.txt").write_text(f"output of run {index}\n", encoding="utf-8")
        (folder / "sub" / "map.png").write_bytes(bytes(range(index, index + 64)))
        (folder / ".parktwin.lock").write_text("not an output", encoding="utf-8")
        record_folder("run", folder, name=f"run {index}", inputs={"/park/park.yaml": "ab" * 32},
                      details={"index": index})
    return results / "ledger.jsonl"


def _lines(ledger: Path) -> list[str]:
    return ledger.read_text(encoding="utf-8").splitlines(keepends=True)


def test_records_chain_with_digests_of_every_output(tmp_path):
    ledger = _runs(tmp_path, 3)
    rows, incomplete = read_ledger(ledger)
    assert incomplete is None and [record["seq"] for _, record, _ in rows] == [0, 1, 2]
    first, second = rows[0][1], rows[1][1]
    assert first["previous_sha256"] == GENESIS and second["previous_sha256"] == first["sha256"]
    assert first["sha256"] == record_digest(first)
    # every file of the folder, hidden files (the lock) left out; the folder relative to the ledger's
    assert sorted(first["outputs"]) == ["out.txt", "sub/map.png"] and first["folder"] == "run0"
    assert first["inputs"] == {"/park/park.yaml": "ab" * 32} and first["details"] == {"index": 0}
    assert first["software"]["parktwin"] and first["time_local"][-6] in "+-" and first["time_utc"].endswith("+00:00")
    if (Path(__file__).resolve().parents[2] / ".git").exists():  # run from a checkout: its commit is recorded
        assert len(first["software"]["git_commit"]) == 40 and isinstance(first["software"]["git_dirty"], bool)
    report = verify_ledger(ledger)
    assert report.ok, report.text()
    assert report.records == 3 and report.files_checked == 6 and report.head_sha256 == rows[2][1]["sha256"]
    print(report.text())


def test_one_byte_changed_in_an_output_names_the_file_and_its_record(tmp_path):
    ledger = _runs(tmp_path)
    target = tmp_path / "results" / "run2" / "sub" / "map.png"
    data = bytearray(target.read_bytes())
    data[10] ^= 0x01
    target.write_bytes(bytes(data))
    report = verify_ledger(ledger)
    print(report.text())
    assert not report.ok and len(report.problems) == 1
    assert str(target) in report.problems[0] and "record seq 2" in report.problems[0]
    assert "was changed" in report.problems[0]


def test_a_deleted_record_is_named(tmp_path):
    ledger = _runs(tmp_path)
    lines = _lines(ledger)
    ledger.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")
    report = verify_ledger(ledger)
    print(report.text())
    assert not report.ok
    assert report.problems[0].startswith("record seq 1 is missing before line 2") and "deleted" in report.problems[0]


def test_two_reordered_records_are_named(tmp_path):
    ledger = _runs(tmp_path)
    lines = _lines(ledger)
    lines[1], lines[2] = lines[2], lines[1]
    ledger.write_text("".join(lines), encoding="utf-8")
    report = verify_ledger(ledger)
    print(report.text())
    assert not report.ok
    assert "out of order at line 2" in report.problems[0] and "holds seq 2" in report.problems[0]
    assert "reordered" in report.problems[0]


def test_an_edited_record_is_named(tmp_path):
    ledger = _runs(tmp_path)
    lines = _lines(ledger)
    record = json.loads(lines[1])
    record["details"]["index"] = 7  # someone rewrites what a run was
    lines[1] = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    ledger.write_text("".join(lines), encoding="utf-8")
    report = verify_ledger(ledger)
    print(report.text())
    assert report.problems[0].startswith("record seq 1 (line 2, run 'run 1'): its content was changed")


def test_a_rewritten_record_with_a_fresh_digest_breaks_the_chain_at_the_next(tmp_path):
    ledger = _runs(tmp_path)
    lines = _lines(ledger)
    record = json.loads(lines[1])
    record["details"]["index"] = 7
    record["sha256"] = record_digest(record)  # a forger who recomputes this record's own digest
    lines[1] = json.dumps(record) + "\n"
    ledger.write_text("".join(lines), encoding="utf-8")
    report = verify_ledger(ledger)
    print(report.text())
    assert report.problems[0].startswith("record seq 2 (line 3): previous_sha256 does not match record seq 1")


def test_a_missing_output_and_the_head_anchor(tmp_path):
    ledger = _runs(tmp_path)
    head = verify_ledger(ledger).head_sha256
    (tmp_path / "results" / "run1" / "out.txt").unlink()
    report = verify_ledger(ledger)
    assert report.problems == [f"output file {tmp_path / 'results' / 'run1' / 'out.txt'} (record seq 1) is missing"]
    # the last record deleted: the chain alone cannot see it; the head kept elsewhere does
    ledger.write_text("".join(_lines(ledger)[:-1]), encoding="utf-8")
    (tmp_path / "results" / "run1" / "out.txt").write_text("output of run 1\n", encoding="utf-8")
    assert verify_ledger(ledger).ok
    report = verify_ledger(ledger, head=head)
    assert not report.ok and "no intact record of the ledger has this SHA-256" in report.problems[0]


def test_a_rerun_into_the_same_folder_supersedes_its_earlier_record(tmp_path):
    results = tmp_path / "results"
    folder = results / "leak"
    folder.mkdir(parents=True)
    (folder / "plan.html").write_text("first", encoding="utf-8")
    record_folder("run", folder, inputs={})
    (folder / "plan.html").write_text("second", encoding="utf-8")
    record_folder("run", folder, inputs={})
    assert verify_ledger(results / "ledger.jsonl").ok
    (folder / "plan.html").write_text("third", encoding="utf-8")
    assert "(record seq 1) was changed" in verify_ledger(results / "ledger.jsonl").problems[0]


def test_inputs_are_checked_when_asked(tmp_path):
    park = tmp_path / "park.yaml"
    park.write_text("name: p\n", encoding="utf-8")
    out = tmp_path / "results" / "r"
    out.mkdir(parents=True)
    from twin.inputs import sha256_file

    record_folder("run", out, inputs={str(park): sha256_file(park)})
    park.write_text("name: q\n", encoding="utf-8")
    ledger = tmp_path / "results" / "ledger.jsonl"
    assert verify_ledger(ledger).ok
    assert f"input file {park} (record seq 0) was changed" in verify_ledger(ledger, check_inputs=True).problems[0]


def _append_many(ledger: str, worker: int, count: int) -> None:
    for index in range(count):
        append_record(ledger, "warning", name=f"worker {worker} record {index}", details={"worker": worker})


def test_two_processes_appending_concurrently_keep_one_chain(tmp_path):
    ledger = tmp_path / "ledger.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(str(ledger), worker, 50)) for worker in (1, 2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
        assert process.exitcode == 0
    report = verify_ledger(ledger)
    print(report.text())
    assert report.ok and report.records == 100
    rows, _ = read_ledger(ledger)
    assert [record["seq"] for _, record, _ in rows] == list(range(100))
    by_worker = [sum(record["details"]["worker"] == w for _, record, _ in rows) for w in (1, 2)]
    assert by_worker == [50, 50]


def test_a_crash_while_appending_leaves_a_valid_chain(tmp_path):
    ledger = _runs(tmp_path, 3)
    whole = ledger.read_bytes()
    last = _lines(ledger)[-1].encode("utf-8")
    ledger.write_bytes(whole + last[: len(last) // 2])  # a record cut midway: power lost during the write
    report = verify_ledger(ledger)
    print(report.text())
    assert report.ok and report.records == 3
    assert report.notes and report.notes[0].startswith("incomplete last record (crash while appending)")
    # the next append moves the fragment aside, says so, and chains on the last complete record
    record = append_record(ledger, "warning", name="after the crash")
    assert record["seq"] == 3 and record["repaired"]["incomplete_bytes"] == len(last) // 2
    assert (ledger.parent / record["repaired"]["moved_to"]).read_bytes() == last[: len(last) // 2]
    report = verify_ledger(ledger)
    assert report.ok and report.records == 4 and not report.notes


def test_ledger_repair_moves_the_fragment_aside(tmp_path, capsys):
    ledger = _runs(tmp_path, 2)
    ledger.write_bytes(ledger.read_bytes() + b'{"seq":2,"kind":"ru')
    assert main(["ledger", "repair", str(ledger)]) == 0
    assert "incomplete last record (19 bytes" in capsys.readouterr().out
    assert ledger.read_bytes().endswith(b"\n") and verify_ledger(ledger).ok and not verify_ledger(ledger).notes
    assert repair_ledger(ledger) is None


def test_cli_verify_exit_codes(tmp_path, capsys):
    ledger = _runs(tmp_path)
    assert main(["ledger", "verify", str(ledger)]) == 0
    assert "OK: the chain is intact" in capsys.readouterr().out
    (tmp_path / "results" / "run0" / "out.txt").write_text("changed", encoding="utf-8")
    assert main(["ledger", "verify", str(ledger)]) == 65
    out = capsys.readouterr().out
    print(out)
    assert "CHANGED: output file" in out and "run0/out.txt (record seq 0)" in out
    assert main(["ledger", "verify", str(tmp_path / "none.jsonl")]) == 66


def test_where_the_ledger_is(tmp_path, monkeypatch):
    monkeypatch.delenv("PARKTWIN_LEDGER", raising=False)
    outer = tmp_path / "results" / "eia"
    (outer / "caps").mkdir(parents=True)
    assert ledger_path_for(outer) == tmp_path / "results" / "ledger.jsonl"
    (outer / "run.json").write_text("{}", encoding="utf-8")  # caps/ inside a finished run: recorded beside it
    assert ledger_path_for(outer / "caps") == tmp_path / "results" / "ledger.jsonl"
    monkeypatch.setenv("PARKTWIN_LEDGER", str(tmp_path / "env.jsonl"))
    assert ledger_path_for(outer) == tmp_path / "env.jsonl"
    with using_ledger(tmp_path / "option.jsonl"):
        assert ledger_path_for(outer) == tmp_path / "option.jsonl"
    monkeypatch.setenv("PARKTWIN_LEDGER", "off")
    assert ledger_path_for(outer) is None and record_folder("run", outer) is None


class _Scenario(BaseModel):
    name: str = "测试 scenario"
    rate: float = 1.0


def test_a_finished_run_is_recorded_with_what_it_read(tmp_path, monkeypatch):
    monkeypatch.delenv("PARKTWIN_LEDGER", raising=False)
    from twin.inputs import record_input

    park = tmp_path / "park.yaml"
    park.write_text("name: p\n", encoding="utf-8")
    out = tmp_path / "results" / "run"
    with output_folder(out, kind="eia", details={"scenario_kind": "eia"}):
        record_input(park)
        (out / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
        write_folder_manifest(out, _Scenario())
    rows, _ = read_ledger(tmp_path / "results" / "ledger.jsonl")
    (_, record, _), = rows
    assert record["kind"] == "eia" and record["name"] == "测试 scenario"
    assert record["details"]["scenario_kind"] == "eia" and len(record["details"]["scenario_config_sha256"]) == 64
    assert sorted(record["outputs"]) == ["run.json", "table.csv"]
    assert list(record["inputs"]) == [str(park.resolve())]
    # a run that fails before run.json is not recorded
    with pytest.raises(RuntimeError):
        with output_folder(out):
            raise RuntimeError("the run failed")
    assert len(read_ledger(tmp_path / "results" / "ledger.jsonl")[0]) == 1
