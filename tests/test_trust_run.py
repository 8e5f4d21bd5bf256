"""The trust run (contract §16): each school exactly as --data runs it, concurrently; one that cannot be run is
listed with its reason while the others run; exit status; nothing written into any school folder."""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import shutil
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.factories import placement, provider, register_sheets, write_grid, write_school
from tests.rule_factories import pupil_upn
from tests.school_factories import folder_state

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo_school"
WEEK = "2026-11-23"
TODAY = dt.date(2026, 12, 6)


def trust_toml(schools, extra: str = "") -> str:
    listed = ", ".join(f'"{s}"' for s in schools)
    return f'[trust]\nname = "Riverside Learning Trust"\nschools = [{listed}]\n{extra}'


def make_trust(root: Path) -> Path:
    """Three schools: the demo school (its own providers.xlsx), two small schools using the trust's register
    (PRV7, Registered N; PRV1 has no Name, a finding on the trust's file), and 'northgate', listed but missing."""
    trust = root / "trust"
    shutil.copytree(DEMO, trust / "hilltop-infants")
    for name, n in (("brookfield", 3), ("cedars", 2)):
        school = write_school(trust / name, [placement(f"P{i:03}", provider_id="PRV7", UPN=pupil_upn(n * 100 + i))
                                             for i in range(1, n + 1)])
        (school / "providers.xlsx").unlink()
    write_grid(trust / "providers.xlsx",
               register_sheets([], [provider("PRV1", Name=None), provider("PRV7", Registered="N")])["providers.xlsx"])
    (trust / "trust.toml").write_text(trust_toml(["hilltop-infants", "brookfield", "cedars", "northgate"]), encoding="utf-8")
    return trust


def separate_summary(trust: Path, school: str, out: Path) -> dict:
    """summary.json of a separate --data run of the school (the trust's providers.xlsx copied in when the school
    has none, as contract §16 says the trust run reads it)."""
    copy = out.parent / f"alone-{school}" / school
    shutil.copytree(trust / school, copy)
    if not (copy / "providers.xlsx").exists():
        shutil.copy(trust / "providers.xlsx", copy / "providers.xlsx")
    code = main(["--data", str(copy), "--week", WEEK, "--out", str(out)], today=TODAY)
    assert code in (0, 1)
    return json.loads((out / WEEK / "summary.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def trust_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("trust")
    trust = make_trust(root)
    before = folder_state(trust)
    out = root / "reports"
    code = main(["--trust", str(trust), "--week", WEEK, "--out", str(out), "--jobs", "2"], today=TODAY)
    return root, trust, out, code, before


def test_each_school_summary_json_equals_a_separate_data_run(trust_run):
    root, trust, out, code, _ = trust_run
    for school in ("hilltop-infants", "brookfield", "cedars"):
        in_trust = json.loads((out / WEEK / school / "summary.json").read_text(encoding="utf-8"))
        assert in_trust == separate_summary(trust, school, root / f"separate-{school}"), school


def test_each_school_has_the_files_of_a_separate_run(trust_run):
    root, trust, out, _, _ = trust_run
    alone = root / "separate-hilltop-infants" / WEEK       # made by the test above, or here
    if not alone.is_dir():
        separate_summary(trust, "hilltop-infants", root / "separate-hilltop-infants")
    files = lambda folder: sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files(out / WEEK / "hilltop-infants") == files(alone)
    assert "annotated/returns/PRV1/Riverside w-c 2026-11-23.xlsx" in files(out / WEEK / "hilltop-infants")


def test_a_finding_on_the_trust_providers_register_is_annotated_in_the_school_copy(trust_run):
    _, _, out, _, _ = trust_run
    from openpyxl import load_workbook
    copy = out / WEEK / "brookfield" / "annotated" / "providers.xlsx"
    cells = {c.coordinate: c.value for row in load_workbook(copy)["Providers"].iter_rows() for c in row}
    assert cells["A2"] == "PRV1" and cells["A3"] == "PRV7"
    summary = json.loads((out / WEEK / "brookfield" / "summary.json").read_text(encoding="utf-8"))
    assert [(f["file"], f["cell"]) for f in summary["findings"]] == [("providers.xlsx", "B2")]


def test_a_missing_school_is_listed_the_others_run_and_the_exit_is_1(trust_run, capsys):
    _, _, out, code, _ = trust_run
    assert code == 1
    assert not (out / WEEK / "northgate").exists()
    assert (out / WEEK / "brookfield" / "weekly_report.xlsx").is_file()


def test_nothing_is_written_into_the_trust_or_any_school_folder(trust_run):
    _, trust, _, _, before = trust_run
    assert folder_state(trust) == before


def test_the_console_has_one_line_per_school_then_the_report(tmp_path, capsys):
    trust = make_trust(tmp_path)
    code = main(["--trust", str(trust), "--week", WEEK, "--out", str(tmp_path / "out"), "--jobs", "1"], today=TODAY)
    printed = capsys.readouterr()
    lines = printed.out.splitlines()
    assert code == 1
    assert lines[0] == "Riverside Learning Trust: 4 schools"
    assert lines[1].startswith("  hilltop-infants (Hilltop Infant School): ran; its workbooks have errors to fix "
                               "(see its Findings sheet); week commencing 23 November 2026; reports in ")
    assert lines[1].endswith(str(tmp_path / "out" / WEEK / "hilltop-infants"))
    assert lines[4].startswith("  northgate: COULD NOT BE RUN: the folder ") and "does not exist" in lines[4]
    assert "  Schools run: 3 of 4; 1 could not be run (fix the reason on its line, then run again)" in lines
    assert printed.err == ""


def test_the_pool_and_one_process_give_the_same_outputs(trust_run, tmp_path):
    _, trust, out, _, _ = trust_run
    main(["--trust", str(trust), "--week", WEEK, "--out", str(tmp_path), "--jobs", "1"], today=TODAY)
    for school in ("hilltop-infants", "brookfield", "cedars"):
        for name in ("summary.json", "register_import.csv"):
            assert (tmp_path / WEEK / school / name).read_bytes() == (out / WEEK / school / name).read_bytes()


def test_a_school_own_providers_register_is_used_whole(trust_run):
    _, _, out, _, _ = trust_run
    demo = json.loads((out / WEEK / "hilltop-infants" / "summary.json").read_text(encoding="utf-8"))
    brookfield = json.loads((out / WEEK / "brookfield" / "summary.json").read_text(encoding="utf-8"))
    # the trust's PRV7 is Registered N: the schools that use the trust's register have its provider-checks action
    assert [a["provider_id"] for a in brookfield["actions"] if a["rule"] == "provider-checks"] == ["PRV7"]
    assert not any(a["provider_id"] == "PRV7" for a in demo["actions"])


def test_all_clean_is_0(tmp_path):
    trust = make_trust(tmp_path)
    (trust / "trust.toml").write_text(trust_toml(["brookfield", "cedars"]), encoding="utf-8")
    # the trust register's PRV7 is fixed: no findings anywhere
    write_grid(trust / "providers.xlsx", register_sheets([], [provider("PRV7")])["providers.xlsx"])
    assert main(["--trust", str(trust), "--week", WEEK, "--out", str(tmp_path / "out")], today=TODAY) == 0


@pytest.mark.parametrize("toml, says", [
    (None, "trust.toml is missing"),
    ("[trust]\nschools = ['a']\n", "[trust] name"),
    ("[trust]\nname = 'T'\nschools = []\n", "[trust] schools"),
    ("[trust]\nname = 'T'\nschools = ['../elsewhere']\n", "is not the name of a folder inside the trust folder"),
    ("[trust]\nname = 'T'\nschools = ['a', 'A']\n", "each school once"),
    ("[trust]\nname = 'T'\nschools = ['a']\nsuppress_below = 'three'\n", "[trust] suppress_below"),
    ("[trust\nname = 'T'\n", "trust.toml cannot be read"),
])
def test_an_unusable_trust_toml_is_exit_2_naming_the_key(tmp_path, capsys, toml, says):
    trust = tmp_path / "trust"
    trust.mkdir()
    if toml is not None:
        (trust / "trust.toml").write_text(toml, encoding="utf-8")
    assert main(["--trust", str(trust), "--out", str(tmp_path / "out")], today=TODAY) == 2
    err = capsys.readouterr().err
    assert err.startswith("Cannot run: ") and says in err and "Traceback" not in err


def test_reports_inside_the_trust_folder_are_refused(tmp_path, capsys):
    trust = make_trust(tmp_path)
    assert main(["--trust", str(trust), "--out", str(trust / "reports")], today=TODAY) == 2
    assert "inside the trust folder" in capsys.readouterr().err
    assert not (trust / "reports").exists()


def test_a_school_whose_run_stops_is_listed_with_its_reason(tmp_path, capsys):
    trust = make_trust(tmp_path)
    (trust / "cedars" / "school.toml").write_text("[school]\nname = 'Cedars'\ntarget_percent = 'ninety'\n",
                                                  encoding="utf-8")
    code = main(["--trust", str(trust), "--week", WEEK, "--out", str(tmp_path / "out")], today=TODAY)
    out = capsys.readouterr().out
    assert code == 1
    [line] = [x for x in out.splitlines() if x.startswith("  cedars")]
    assert line.startswith("  cedars: COULD NOT BE RUN: ") and "target_percent" in line
    assert (tmp_path / "out" / WEEK / "brookfield" / "summary.json").is_file()


def test_a_second_week_compares_with_the_school_own_previous_report(tmp_path):
    """Changes since last week (contract §15) read OUT/<previous Monday>/<school>/summary.json in a trust run:
    the school's weekly page is the one two separate --data runs give."""
    trust = make_trust(tmp_path)
    alone = tmp_path / "alone" / "hilltop-infants"
    shutil.copytree(trust / "hilltop-infants", alone)
    for week in ("2026-11-16", WEEK):
        main(["--trust", str(trust), "--week", week, "--out", str(tmp_path / "out"), "--jobs", "1"], today=TODAY)
        main(["--data", str(alone), "--week", week, "--out", str(tmp_path / "alone-out")], today=TODAY)
    page = (tmp_path / "out" / WEEK / "hilltop-infants" / "weekly_report.html").read_text(encoding="utf-8")
    assert "Since the report for the week commencing Monday 16 November 2026:" in page
    assert page == (tmp_path / "alone-out" / WEEK / "weekly_report.html").read_text(encoding="utf-8")


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="the patch reaches forked workers only")
def test_a_school_whose_process_dies_is_listed_and_the_others_still_run(tmp_path, monkeypatch, capsys):
    """A worker killed by a signal (as when the system runs out of memory) breaks the pool: the school that
    kills its process is 'could not be run', every other school still runs (forked workers inherit the patch)."""
    import pipeline.trust.worker as worker
    from tests.dying_worker import killed_when

    monkeypatch.setattr(worker, "_run", killed_when(worker._run, lambda job: job.folder == "cedars"))
    trust = make_trust(tmp_path)
    code = main(["--trust", str(trust), "--week", WEEK, "--out", str(tmp_path / "out"), "--jobs", "2"], today=TODAY)
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    [cedars] = [x for x in lines if x.startswith("  cedars")]
    assert cedars.startswith("  cedars: COULD NOT BE RUN: its run stopped unexpectedly")
    for school in ("hilltop-infants", "brookfield"):
        assert (tmp_path / "out" / WEEK / school / "summary.json").is_file()


def test_workers_started_fresh_as_on_windows_give_the_same_outputs(trust_run, tmp_path):
    """Windows starts each worker as a new interpreter ('spawn'), which imports the pipeline afresh."""
    from pipeline.trust.run import run_trust

    _, trust, out, _, _ = trust_run
    outcome = run_trust(trust, tmp_path, dt.date(2026, 11, 23), today=TODAY, jobs=2, start_method="spawn")
    assert [s.exit_code for s in outcome.facts.schools] == [1, 1, 1, None]
    for school in ("hilltop-infants", "brookfield", "cedars"):
        assert (tmp_path / WEEK / school / "summary.json").read_bytes() == \
            (out / WEEK / school / "summary.json").read_bytes()


def test_python_m_pipeline_runs_a_trust_in_a_child_process(tmp_path):
    """The module entry point (python -m pipeline) with the pool: a spawned worker must not run the job again."""
    import subprocess
    import sys

    trust = make_trust(tmp_path)
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-m", "pipeline", "--trust", str(trust), "--week", WEEK, "--out",
                           str(tmp_path / "out"), "--jobs", "2"], cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert done.stdout.count("COULD NOT BE RUN") == 1 and done.stderr == ""


def test_the_trust_report_gives_a_reason_without_paths_and_a_rerun_the_same_bytes(trust_run, tmp_path):
    root, trust, out, _, _ = trust_run
    data = json.loads((out / WEEK / "trust_summary.json").read_text(encoding="utf-8"))
    northgate = next(s for s in data["schools"] if s["folder"] == "northgate")
    assert northgate["run"] == {"status": "not_run", "exit_code": None, "reason":
                                "the folder northgate listed in trust.toml does not exist: check its name in [trust] schools"}
    from openpyxl import load_workbook
    book = load_workbook(out / WEEK / "trust_report.xlsx")
    cells = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None)
    assert "northgate listed in trust.toml" in cells
    for text in (cells, *((out / WEEK / n).read_text(encoding="utf-8") for n in ("trust_report.html", "trust_summary.json"))):
        assert str(root) not in text
    main(["--trust", str(trust), "--week", WEEK, "--out", str(tmp_path), "--jobs", "1"], today=TODAY)
    for name in ("trust_report.xlsx", "trust_report.html", "trust_summary.json"):
        assert (tmp_path / WEEK / name).read_bytes() == (out / WEEK / name).read_bytes(), name


def test_suppression_turned_off_is_a_console_warning(tmp_path, capsys):
    trust = make_trust(tmp_path)
    (trust / "trust.toml").write_text(trust_toml(["brookfield"], "suppress_below = 0\nsupress = 2\n"), encoding="utf-8")
    main(["--trust", str(trust), "--week", WEEK, "--out", str(tmp_path / "out")], today=TODAY)
    out = capsys.readouterr().out
    assert "  Warning: [trust] suppress_below = 0 in trust.toml, so the trust report shows every number" in out
    assert "  Warning: trust.toml: [trust] supress is not a setting this tool knows; it is ignored (did you mean " \
           "suppress_below?)." in out


def test_trust_out_is_taken_from_the_folder_that_holds_the_trust_folder(tmp_path, monkeypatch):
    trust = make_trust(tmp_path)
    (trust / "trust.toml").write_text(trust_toml(["cedars"], 'out = "trust-reports"\n'), encoding="utf-8")
    monkeypatch.chdir(trust / "cedars")          # as a scheduled task starts in C:\Windows\System32
    assert main(["--trust", str(trust), "--week", WEEK], today=TODAY) == 1     # the trust register's PRV1 has no Name
    assert (tmp_path / "trust-reports" / WEEK / "trust_report.xlsx").is_file()
    assert (tmp_path / "trust-reports" / WEEK / "cedars" / "summary.json").is_file()


@pytest.mark.parametrize("argv, says", [
    (["--jobs", "2", "--data", "x"], "--jobs only works together with --trust"),
    (["--trust", "t", "--data", "x"], "--trust cannot be used together with --data"),
    (["--trust", "t", "--governor-pack", "Autumn 2026"], "--trust cannot be used together with --governor-pack"),
    (["--trust", "t", "--jobs", "0"], "is not a number of schools to run at once"),
])
def test_options_that_do_not_go_with_trust_are_exit_2(tmp_path, capsys, argv, says):
    assert main(argv, today=TODAY) == 2
    err = capsys.readouterr().err
    assert err.startswith("Cannot run: ") and says in err


@pytest.mark.parametrize("failure, console, report", [
    (PermissionError(13, "Permission denied", "returns/Isla Fairweather.xlsx"),
     "the file or folder returns/Isla Fairweather.xlsx could not be used (Permission denied)",
     "a file or folder of the school could not be used (Permission denied): the console of the trust run names it"),
    (ValueError("a bug"), "The tool failed unexpectedly (this is a bug, not a problem with your files). The details are in ",
     "the tool failed on this school (a bug, not a problem with its files): the details are in a crash log in the "
     "reports folder"),
])
def test_a_file_that_cannot_be_used_or_a_bug_is_one_school_that_cannot_be_run(tmp_path, monkeypatch, capsys,
                                                                               failure, console, report):
    import pipeline.trust.worker as worker

    real = worker._run

    def fails_on_cedars(job):
        if job.folder == "cedars":
            raise failure
        return real(job)

    monkeypatch.setattr(worker, "_run", fails_on_cedars)
    trust = make_trust(tmp_path)
    out = tmp_path / "out"
    assert main(["--trust", str(trust), "--week", WEEK, "--out", str(out), "--jobs", "1"], today=TODAY) == 1
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith("  cedars")]
    assert line.startswith(f"  cedars: COULD NOT BE RUN: {console}")
    data = json.loads((out / WEEK / "trust_summary.json").read_text(encoding="utf-8"))
    cedars = next(s for s in data["schools"] if s["folder"] == "cedars")
    assert cedars["run"]["reason"] == report
    assert "Isla" not in (out / WEEK / "trust_summary.json").read_text(encoding="utf-8")
    assert (out / WEEK / "brookfield" / "summary.json").is_file()
    if isinstance(failure, ValueError):
        assert len(list(out.glob("crash-*.log"))) == 1
