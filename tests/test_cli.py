"""The command line through its real entry: messages a clerk sees, --json, exit codes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import FINDING_FIXTURES, ROOT
from report_command import folder_args

from county_report.cli import main, run_summary
from county_report.model import RunOptions
from county_report.pipeline import run


def args(county, *extra) -> list[str]:
    return folder_args(county["inputs"], county["outputs"], county["templates"], "--workers", "0", *extra)


def test_check_json_equals_the_library_findings(small_county, capsys):
    code = main(["check", "--json", *args(small_county)])
    printed = json.loads(capsys.readouterr().out)
    options = RunOptions(
        small_county["inputs"], small_county["outputs"], small_county["templates"], check_only=True
    )
    library = run(options)
    assert printed["findings"] == [f.as_dict() for f in library.findings]
    assert printed == json.loads(json.dumps(run_summary(library), ensure_ascii=False))
    assert code == 1 and printed["退出码"] == 1
    assert not small_county["outputs"].exists()  # check writes nothing


def test_check_prints_a_table_and_the_summary_a_clerk_reads(small_county, capsys):
    code = main(["check", *args(small_county)])
    out = capsys.readouterr().out
    assert code == 1
    assert "「走访农户」的值「三百户」不是数字。" in out
    assert "城关镇-黄龙村.xlsx" in out and "B11" in out
    assert "读取文件 2 个：采用 1 个，拒收 1 个，被取代 0 个；跳过 0 个。" in out
    assert "已报村（社区） 1 个 / 应报 3 个，未报 1 个，报表有误待更正 1 个。" in out


def test_all_valid_exits_0_and_writes_both_outputs(small_county, capsys):
    (small_county["inputs"] / "城关镇-黄龙村.xlsx").unlink()
    code = main(args(small_county))
    out = capsys.readouterr().out
    assert code == 0
    written = sorted(p.name for p in small_county["outputs"].iterdir())
    # the internal 报送情况说明 (issue 10) and the upward submission for the city (issue 12) joined them
    assert written == [
        "上报表_示例县_2026-11-20.xlsx",
        "汇总表.xlsx",
        "示例县“大走访”报送情况说明.docx",
        "示例县“大走访”活动工作总结.docx",
    ]
    assert f"汇总表：{small_county['outputs'] / '汇总表.xlsx'}" in out


def test_strict_with_an_error_writes_nothing_and_exits_1(small_county, capsys):
    code = main(["--strict", *args(small_county)])
    out = capsys.readouterr().out
    assert code == 1
    assert not small_county["outputs"].exists() or not any(small_county["outputs"].iterdir())
    assert "因存在错误且使用了 --strict，未生成汇总表和报告。" in out


def test_errors_without_strict_still_write_and_exit_1(small_county, capsys):
    assert main(args(small_county)) == 1
    assert (small_county["outputs"] / "汇总表.xlsx").is_file()


def test_missing_roster_is_a_configuration_error_exit_2(small_county, capsys):
    (small_county["templates"] / "名册.xlsx").unlink()
    assert main(args(small_county)) == 2
    err = capsys.readouterr().err
    assert err.startswith("配置有误：找不到名册文件：") and "Traceback" not in err


def test_bad_as_of_is_a_usage_error_in_chinese(small_county, capsys):
    assert _exit_code(lambda: main(["--as-of", "11/20", *args(small_county)])) == 2
    assert "「11/20」不是 YYYY-MM-DD 格式的日期" in capsys.readouterr().err


def test_missing_inputs_folder_exit_2(small_county, capsys):
    shutil.rmtree(small_county["inputs"])
    assert main(args(small_county)) == 2
    assert "找不到村级报表文件夹" in capsys.readouterr().err


def test_a_missing_inputs_folder_says_where_the_path_is_set(small_county, capsys):
    shutil.rmtree(small_county["inputs"])
    assert main(["check", *args(small_county)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"配置有误：找不到村级报表文件夹：{small_county['inputs']}。")
    assert "请检查 --inputs 后面的路径" in err


def test_lock_and_hidden_files_are_skipped_and_listed(small_county, capsys):
    shutil.copy(FINDING_FIXTURES / "good.xlsx", small_county["inputs"] / "~$城关镇-东风村.xlsx")
    shutil.copy(FINDING_FIXTURES / "good.xlsx", small_county["inputs"] / ".隐藏.xlsx")
    main(["check", "--json", *args(small_county)])
    printed = json.loads(capsys.readouterr().out)
    skipped = [f for f in printed["findings"] if f["code"] == "skipped-file"]
    assert sorted(f["file"] for f in skipped) == [".隐藏.xlsx", "~$城关镇-东风村.xlsx"]
    assert printed["跳过"] == 2 and printed["读取文件数"] == 2


def test_the_duplicate_village_rule_names_the_superseded_file(small_county, capsys):
    first = small_county["inputs"] / "城关镇-东风村（第二份）.xlsx"
    shutil.copy(FINDING_FIXTURES / "blank-metric.xlsx", first)  # same village, accepted, same 填报日期
    os.utime(first, (1_700_000_000, 1_700_000_000))  # older file time: loses the tie
    main(["check", "--json", *args(small_county)])
    printed = json.loads(capsys.readouterr().out)
    superseded = [f for f in printed["findings"] if f["code"] == "superseded"]
    assert [f["file"] for f in superseded] == ["城关镇-东风村（第二份）.xlsx"]
    assert "已被「城关镇-东风村.xlsx」取代" in superseded[0]["message"]
    assert printed["被取代"] == 1 and printed["采用"] == 1


def test_inputs_are_never_modified(small_county):
    before = _hashes(small_county["inputs"])
    main(args(small_county))
    assert _hashes(small_county["inputs"]) == before


def test_real_entry_point_runs_in_a_fresh_interpreter(small_county):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "run_report.py"), "check", *args(small_county)[:-2]],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "读取文件 2 个：采用 1 个，拒收 1 个" in proc.stdout
    assert proc.stderr == ""


def test_help_is_chinese_and_imports_nothing_heavy():
    code = "import sys, runpy; sys.argv=['run_report.py','--help']\ntry:\n runpy.run_path('run_report.py', run_name='__main__')\nexcept SystemExit: pass\nprint(sorted(m for m in ('pandas','docx','docxtpl','openpyxl','xlwings','python_calamine') if m in sys.modules))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", cwd=ROOT
    )
    assert "统计截止日期" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def _exit_code(call) -> int:
    try:
        return call()
    except SystemExit as exc:
        return exc.code


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_forms_writes_the_blank_form_and_one_prefilled_form_per_village(small_county, capsys):
    from county_report.definition import GROUP, UNIT, load_campaign
    from county_report.reader import read_form

    assert main(["forms", *args(small_county)]) == 0
    folder = small_county["outputs"] / "下发标准表"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["城关镇-东风村.xlsx", "城关镇-黄龙村.xlsx", "标准表（空白）.xlsx", "河西乡-柳树村.xlsx"]
    out = capsys.readouterr().out
    assert "已生成各村（社区）预填标准表 3 份" in out
    spec = load_campaign(small_county["templates"] / "form.toml")
    form = read_form(folder / "河西乡-柳树村.xlsx", spec, "河西乡-柳树村.xlsx")
    places = (spec.role(GROUP).key, spec.role(UNIT).key)
    assert tuple(form.fields[k].raw for k in places) == ("河西乡", "柳树村")
    assert form.findings == ()


def test_usage_errors_are_said_in_chinese(capsys):
    cases = {
        ("frobnicate",): "参数有误：没有「frobnicate」这个命令，可用的命令：run、forms、check",
        ("--bogus",): "参数有误：无法识别的参数：--bogus",
        ("--workers", "x"): "参数有误：「--workers」的值「x」不是整数",
        ("--d", "x"): "参数有误：「--d」可以是 --data, --debug 中的任何一个，请把选项名写全",
    }
    for argv, message in cases.items():
        assert _exit_code(lambda argv=argv: main(list(argv))) == 2
        err = capsys.readouterr().err
        assert message in err and err.startswith("用法：")


def test_help_headings_are_chinese(capsys):
    assert _exit_code(lambda: main(["--help"])) == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：") and "选项" in out and "显示本帮助并退出" in out
    assert "usage" not in out and "show this help" not in out


def test_an_unwritable_output_folder_is_one_chinese_line(small_county, capsys):
    blocker = small_county["outputs"]
    blocker.write_text("不是文件夹", encoding="utf-8")  # outputs exists as a file: cannot be written into
    assert main(args(small_county)) == 2
    err = capsys.readouterr().err
    assert err.startswith("无法读写文件") and "请检查文件夹是否存在" in err and "Traceback" not in err


def test_the_closing_summary_names_the_missing_units_and_shortens_past_a_dozen():
    from county_report.summary import listed

    names = [f"{n}村" for n in "一二三四五六七八九十甲乙丙"]
    assert listed(names[:12]) == "、".join(names[:12])
    assert listed(names) == "、".join(names[:12]) + "等 13 个"


def test_check_lists_the_unit_still_missing_by_name(small_county, capsys):
    main(["check", *args(small_county)])
    out = capsys.readouterr().out
    assert "未报村：河西乡柳树村。" in out and "有误待更正村：城关镇黄龙村。" in out


def test_an_empty_folder_says_which_folder_and_no_table(tmp_path, small_county, capsys):
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    code = main(
        [
            "--inputs",
            str(empty),
            "--outputs",
            str(tmp_path / "o"),
            "--templates",
            str(small_county["templates"]),
            "--workers",
            "0",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1 and "未发现问题" not in out
    assert (
        f"报表文件夹 {empty} 中没有任何报表文件。请把各村（社区）交回的表格放进这个文件夹后重新运行。" in out
    )


def test_forms_moves_the_previous_set_aside_with_a_notice_and_never_deletes_it(
    tmp_path, small_county, capsys
):
    argv = ["forms", "--outputs", str(tmp_path), "--templates", str(small_county["templates"])]
    assert main(argv) == 0
    old = tmp_path / "下发标准表"
    (old / "别县-旧村.xlsx").write_bytes(b"from another county")
    capsys.readouterr()
    assert main(argv) == 0
    out = capsys.readouterr().out
    [aside] = [p for p in tmp_path.iterdir() if p.name.startswith("下发标准表（旧，")]
    assert f"上次生成的下发标准表已移到：{aside}" in out
    assert (aside / "别县-旧村.xlsx").read_bytes() == b"from another county"
    assert not (old / "别县-旧村.xlsx").exists()
    assert sorted(p.name for p in old.iterdir()) == [
        "城关镇-东风村.xlsx",
        "城关镇-黄龙村.xlsx",
        "标准表（空白）.xlsx",
        "河西乡-柳树村.xlsx",
    ]
