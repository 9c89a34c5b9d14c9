"""Issue 6 end to end: good forms plus every hostile kind in one folder, through the real pipeline.

Every hostile file is named in the findings with its code and an actionable Chinese message,
no rejected file's village reaches the workbook, and the county totals equal a run over the
good files alone. The corpus is built at test time (bombs included) and run once per module.
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from datetime import date
from pathlib import Path

import hostile_forms as forms
import openpyxl
import pytest
from conftest import FINDING_FIXTURES, make_templates

from county_report import intake
from county_report.cli import main
from county_report.findings import Severity
from county_report.model import RunOptions
from county_report.pipeline import run

REPORT_DATE = date(2026, 11, 22)
CORRUPT = ("file-corrupt", "文件已损坏，无法打开")
EXPECTED = {  # kind → (finding code, phrase the clerk acts on)
    "empty": CORRUPT,
    "truncated": CORRUPT,
    "random": CORRUPT,
    "lying-zip-bomb": CORRUPT,  # the directory lies about the size: the bounded inflate's CRC check
    "encrypted": ("file-encrypted", "文件已加密"),
    "zip-bomb": ("file-too-large", "压缩炸弹"),
    "entity-sheet": ("xml-unsafe", "不安全的内容"),
    "entity-strings": ("xml-unsafe", "不安全的内容"),
    "external-entity": ("xml-unsafe", "不安全的内容"),
    "far-cell": ("sheet-too-large", "超出上限"),
    "far-dimension": ("sheet-too-large", "超出上限"),
    "not-standard": ("not-standard-form", "不是标准表"),
    "xlsm": ("not-standard-form", "不是标准表"),  # hostile.py's macro file is a tiny non-form workbook
    "wrong-.et": ("wrong-file-type", "另存为"),
    "wrong-.csv": ("wrong-file-type", "另存为"),
    "wrong-.docx": ("wrong-file-type", "不是 Excel 标准表"),
    "wrong-.pdf": ("wrong-file-type", "不是 Excel 标准表"),
    "lock": ("skipped-file", "已跳过"),
    "hidden": ("skipped-file", "已跳过"),
    "form-truncated": CORRUPT,
    "form-encrypted": ("file-encrypted", "请取消密码后重新报送"),
    "form-zip-bomb": ("file-too-large", "压缩炸弹"),
    "form-entity": ("xml-unsafe", "实体声明"),
    "form-external-entity": ("xml-unsafe", "实体声明"),
    "form-far-cell": ("sheet-too-large", "XFD1048576"),
    "form-far-dimension": ("sheet-too-large", "A1:XFD1048576"),
    "form-lock": ("skipped-file", "临时锁文件"),
    "form-hidden": ("skipped-file", "隐藏文件"),
    "form-hidden-folder": ("skipped-file", "隐藏文件夹"),
    "form-reader-error": CORRUPT,  # passes the guard, the reader raises: that file only
}


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> dict:
    """One run over good forms plus every hostile kind (2 workers), and one over the good forms alone."""
    root = tmp_path_factory.mktemp("hostile")
    templates = make_templates(root / "templates", roster=forms.ROSTER)
    inputs, alone, made = root / "inputs", root / "good-alone", root / "forms"
    for folder in (inputs, alone, made):
        folder.mkdir()
    corpus, good = forms.place_county(inputs, made)
    for path in good:
        shutil.copy2(path, alone / path.name)
    before = _digests(inputs)
    result = run(RunOptions(inputs, root / "outputs", templates, workers=2), report_date=REPORT_DATE)
    baseline = run(RunOptions(alone, root / "outputs-good", templates, workers=0), report_date=REPORT_DATE)
    return {
        "root": root, "templates": templates, "inputs": inputs, "corpus": corpus, "good": good,
        "before": before, "result": result, "baseline": baseline,
    }  # fmt: skip


def _name(county: dict, kind: str) -> str:
    return county["corpus"][kind].relative_to(county["inputs"]).as_posix()


def _sheet(path: Path, name: str) -> list[dict[str, openpyxl.cell.Cell]]:
    """Data rows of one sheet as {header: cell}, so a test can check both value and data type."""
    ws = openpyxl.load_workbook(path)[name]
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def _village_rows(county: dict) -> dict[str, dict]:
    return {r["村（社区）"].value: r for r in _sheet(county["result"].workbook_path, "分村明细")}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_every_hostile_file_is_named_with_its_code_and_advice(county, kind):
    code, phrase = EXPECTED[kind]
    name = _name(county, kind)
    found = [f for f in county["result"].findings if f.file == name]
    assert found and found[0].code == code, found  # a non-form may also get header findings after it
    assert phrase in found[0].message
    assert found[0].severity is (Severity.INFO if code == "skipped-file" else Severity.ERROR)


def test_no_rejected_or_skipped_village_reaches_the_workbook(county):
    assert set(_village_rows(county)) == {v for _, v in forms.ACCEPTED.values()}
    progress = {
        r["村（社区）"].value: r["状态"].value for r in _sheet(county["result"].workbook_path, "上报进度")
    }
    for _, village, *_ in (*forms.FORM_VARIANTS.values(), forms.READER_ERROR_VILLAGE):
        assert progress[village] == "未报"


def test_county_totals_equal_a_run_over_the_good_files_alone(county):
    def total_row(result) -> list:
        rows = _sheet(result.workbook_path, "全县汇总")
        assert rows[-1]["乡镇（街道）"].value == "合计"
        return [(header, cell.value) for header, cell in rows[-1].items()]

    result, baseline = county["result"], county["baseline"]
    assert result.accepted == baseline.accepted == len(forms.ACCEPTED)
    assert total_row(result) == total_row(baseline)
    assert dict(total_row(result))["走访农户（户）"] == sum(300 + i for i in range(len(forms.ACCEPTED)))


def test_counts_and_exit_code(county):
    result = county["result"]
    skipped = {"lock", "hidden", "form-lock", "form-hidden", "form-hidden-folder"}
    assert result.exit_code == 1
    assert result.skipped == len(skipped)
    assert result.rejected == len(EXPECTED) - len(skipped)
    assert result.files_read == result.accepted + result.rejected
    assert result.report_path.is_file()


def test_inputs_are_never_modified(county):
    assert _digests(county["inputs"]) == county["before"]


def test_xlsm_with_a_macro_is_read_for_data(county):
    name = next(p.name for p in county["good"] if p.suffix == ".xlsm")
    assert "xl/vbaProject.bin" in zipfile.ZipFile(county["inputs"] / name).namelist()
    assert not [f for f in county["result"].findings if f.file == name]
    row = _village_rows(county)[forms.ACCEPTED["xlsm-form"][1]]
    assert (row["文件名"].value, row["走访农户（户）"].value) == (
        name,
        300 + list(forms.ACCEPTED).index("xlsm-form"),
    )


def test_formula_like_text_arrives_as_plain_text(county):
    reporter = _village_rows(county)[forms.ACCEPTED["formula-text"][1]]["填报人"]
    assert (reporter.value, reporter.data_type) == (forms.FORMULA, "s")
    ledger = [
        r for r in _sheet(county["result"].workbook_path, "问题台账") if r["村（社区）"].value == "东风村"
    ]
    signed = [ledger[0][h] for h in ("问题描述", "反映群众", "办理结果")]
    assert [(c.value, c.data_type) for c in signed] == [
        (t, "s") for t in forms.SIGNED_LEDGER[0][2:4] + forms.SIGNED_LEDGER[0][7:]
    ]


def test_control_characters_are_removed_with_a_warning(county):
    name = f"{forms.ACCEPTED['control-chars'][0]}-{forms.ACCEPTED['control-chars'][1]}.xlsx"
    found = [f for f in county["result"].findings if f.file == name]
    assert [(f.code, f.severity, f.label) for f in found] == [("text-cleaned", Severity.WARNING, "填报人")]
    assert _village_rows(county)[forms.ACCEPTED["control-chars"][1]]["填报人"].value == forms.CONTROL_CLEANED


def test_text_over_the_cell_limit_is_cut_with_a_warning(county):
    name = f"{forms.ACCEPTED['long-text'][0]}-{forms.ACCEPTED['long-text'][1]}.xlsx"
    found = [f for f in county["result"].findings if f.file == name]
    assert [(f.code, f.severity) for f in found] == [("text-truncated", Severity.WARNING)]
    assert "32767" in found[0].message
    assert _village_rows(county)[forms.ACCEPTED["long-text"][1]]["填报人"].value == forms.LONG[:32_767]


def test_xml_special_characters_reach_workbook_and_report_intact(county):
    import docx

    highlights = _sheet(county["result"].workbook_path, "典型事例")
    assert [(r["标题"].value, r["内容"].value) for r in highlights if r["村（社区）"].value == "东风村"] == [
        (forms.HIGHLIGHT_TITLE, forms.HIGHLIGHT_CONTENT)
    ]
    document = docx.Document(str(county["result"].report_path))
    text = "\n".join(p.text for p in document.paragraphs)
    # straight quotes typed in pairs are written as Chinese quotes in prose (report_facts._tidy);
    # & < > ' reach the report as typed
    assert forms.HIGHLIGHT_CONTENT.replace('"王五"', "“王五”") + "。" in text
    assert forms.HIGHLIGHT_TITLE.replace('"王五"', "‘王五’") in text  # inside the title's own “…”


def test_the_command_line_on_the_corpus_shows_no_traceback(county, capsys):
    argv = ["--inputs", str(county["inputs"]), "--outputs", str(county["root"] / "outputs-cli")]
    code = main([*argv, "--templates", str(county["templates"]), "--workers", "2"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in err and "Traceback" not in out
    for kind in ("zip-bomb", "encrypted", "form-far-cell", "wrong-.pdf"):
        assert Path(_name(county, kind)).name in out


# --- a reader that dies: only its file is lost ---------------------------------------------


def test_a_reader_that_dies_costs_only_its_file(tmp_path, monkeypatch):
    """A worker killed mid-read (os.abort, as calamine does) becomes a reader-crashed finding."""
    import crashing_task

    templates = make_templates(tmp_path / "templates")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    shutil.copy(FINDING_FIXTURES / "good.xlsx", inputs / "城关镇-东风村.xlsx")
    forms.village_form(inputs, "城关镇", "黄龙村", 1)
    crash = shutil.copy(FINDING_FIXTURES / "good.xlsx", inputs / f"河西乡-柳树村{crashing_task.MARK}.xlsx")
    monkeypatch.setattr(
        intake, "ReadTask", crashing_task.CrashingReadTask
    )  # pickled by reference into workers
    result = run(RunOptions(inputs, tmp_path / "outputs", templates, workers=2), report_date=REPORT_DATE)
    crashed = [f for f in result.findings if f.code == "reader-crashed"]
    assert [f.file for f in crashed] == [Path(crash).name]
    assert "程序异常退出" in crashed[0].message
    assert result.accepted == 2 and result.rejected == 1 and result.exit_code == 1
    assert result.workbook_path.is_file()
