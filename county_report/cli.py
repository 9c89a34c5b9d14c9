"""The command line: parse arguments, call the pipeline, print, choose the exit code.

Kept light: nothing heavy (pandas, docx) is imported until a command needs it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import traceback
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

from .cnformat import cn_date
from .errors import ConfigError, OutputsBusy

PROJECT_DIR = Path(__file__).resolve().parent.parent
EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2
FORMS_FOLDER = "下发标准表"
GENERATED_TEMPLATE = "工作总结模板（按活动定义生成）.docx"
# Every command, once: argparse's choices, the help text, its error message and the README agree.
COMMANDS = {
    "run": "完整运行（不写命令时即此项）",
    "forms": "生成下发用的空白标准表和各单位预填表",
    "check": "只校验，不生成任何文件",
    "template": "按活动定义生成工作总结模板，写入输出文件夹（不改动 templates/）",
    "history": "列出数据文件中已记录的各期：统计截止日期、运行时间和合计数",
    "audit": "核对某一期（--as-of，默认最近一期）汇总所依据的文件是否被改动、删除或新增",
}


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="用法：")


class _Parser(argparse.ArgumentParser):
    """argparse with its English headings and errors said in Chinese."""

    def __init__(self, **kwargs):
        super().__init__(formatter_class=_Formatter, add_help=False, **kwargs)
        self._positionals.title, self._optionals.title = "命令", "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:  # argparse's own exit code is 2 too; its text is English
        self.print_usage(sys.stderr)
        self.exit(
            EXIT_USAGE, f"参数有误：{_in_chinese(message)}\n请用 python run_report.py --help 查看用法。\n"
        )


_ARGPARSE_MESSAGES = (
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (
        r"argument command: invalid choice: '([^']*)'.*",
        r"没有「\1」这个命令，可用的命令：" + "、".join(COMMANDS),
    ),
    (r"argument ([^:]+): invalid int value: '([^']*)'", r"「\1」的值「\2」不是整数"),
    (r"argument ([^:]+): expected one argument", r"「\1」后面缺少值"),
    (r"ambiguous option: (\S+) could match (.*)", r"「\1」可以是 \2 中的任何一个，请把选项名写全"),
    (r"argument ([^:]+): (.*)", r"「\1」：\2"),
)


def _in_chinese(message: str) -> str:
    """argparse's few English sentences, said in Chinese."""
    for pattern, chinese in _ARGPARSE_MESSAGES:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, chinese, message)
    return message


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="run_report.py",
        description="报表助手：读取 inputs/ 中各单位报送的报表，校验、汇总，生成汇总表和工作总结。",
        epilog="命令：" + "；".join(f"{name}＝{what}" for name, what in COMMANDS.items()) + "。",
    )
    p.add_argument("command", nargs="?", default="run", choices=list(COMMANDS), help="要执行的命令")
    p.add_argument(
        "--inputs", type=Path, default=PROJECT_DIR / "inputs", metavar="文件夹", help="村级报表所在文件夹"
    )
    p.add_argument(
        "--outputs", type=Path, default=PROJECT_DIR / "outputs", metavar="文件夹", help="结果输出文件夹"
    )
    p.add_argument(
        "--templates",
        type=Path,
        default=PROJECT_DIR / "templates",
        metavar="文件夹",
        help="表单定义、名册、模板所在文件夹",
    )
    p.add_argument(
        "--data",
        type=Path,
        metavar="文件夹",
        help="数据文件夹：历次汇总的记录和备份（默认：templates 文件夹旁的 数据/）",
    )
    p.add_argument(
        "--as-of",
        type=_date,
        metavar="日期",
        help="统计截止日期 YYYY-MM-DD（默认：各村最常见的统计截止日期）",
    )
    p.add_argument("--strict", action="store_true", help="有任何错误即不生成汇总表和报告")
    p.add_argument("--json", action="store_true", help="在标准输出打印机器可读的运行结果")
    p.add_argument("--quiet", action="store_true", help="只打印最后的汇总")
    p.add_argument("--workers", type=int, metavar="个数", help="读取文件的进程数（0＝不另开进程）")
    p.add_argument("--debug", action="store_true", help="出错时显示详细的技术信息")
    return p


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"「{text}」不是 YYYY-MM-DD 格式的日期") from None


def main(argv: list[str] | None = None) -> int:
    """Entry of `python run_report.py`; returns the exit code."""
    _utf8_console()
    args = build_parser().parse_args(argv)
    try:
        if args.command == "forms":
            return _forms(args)
        if args.command == "template":
            return _template(args)
        if args.command in ("history", "audit"):
            return _records(args)
        return _run(args)
    except OutputsBusy as exc:  # not a configuration error: another run is writing the outputs
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as exc:
        print(f"配置有误：{exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        if args.debug:
            traceback.print_exc()
        where = f" {exc.filename}" if exc.filename else ""
        print(
            f"无法读写文件{where}（{exc.strerror or exc}）。请检查文件夹是否存在、有无写入权限、磁盘是否已满。",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - the clerk gets one line; the detail is behind --debug
        if args.debug:
            traceback.print_exc()
        print(f"运行出错：{exc}（加 --debug 可查看详细信息）", file=sys.stderr)
        return EXIT_USAGE


def _run(args: argparse.Namespace) -> int:
    from .console import ProgressBar, findings_table, summary_lines
    from .model import RunOptions
    from .pipeline import run

    check_only = args.command == "check"
    options = RunOptions(
        inputs=args.inputs,
        outputs=args.outputs,
        templates=args.templates,
        as_of=args.as_of,
        strict=args.strict,
        check_only=check_only,
        workers=args.workers,
        data=data_folder(args),
    )
    _require_inputs(args.inputs)
    progress = None if (args.quiet or args.json) else ProgressBar()
    result = run(options, on_progress=progress)
    if args.json:
        print(json.dumps(run_summary(result), ensure_ascii=False, indent=2))
        return result.exit_code
    if not args.quiet and (result.findings or result.files_read):  # an empty folder: only the notice
        print(findings_table(result.findings))
        print()
    print("\n".join(summary_lines(result, check_only)))
    return result.exit_code


def _require_inputs(folder: Path) -> None:
    """The run and `audit` both read the inputs folder: say which path is wrong and where it is set."""
    if not folder.is_dir():
        raise ConfigError(
            f"找不到村级报表文件夹：{folder}。请检查 --inputs 后面的路径（不写 --inputs 则用本项目的 inputs 文件夹）。"
        )


def run_summary(result) -> dict:
    """The run as data: the summary the console and the button show, and every finding."""
    return {**result.summary.as_json(), "findings": [f.as_dict() for f in result.findings]}


def data_folder(args: argparse.Namespace) -> Path:
    """--data, else 数据/ beside the templates folder (the project's own, by default)."""
    from .settings import DATA_FOLDER

    return args.data if args.data is not None else Path(args.templates).resolve().parent / DATA_FOLDER


def _records(args: argparse.Namespace) -> int:
    """`history` lists the periods on record; `audit` re-hashes the files behind one (exit 1 if any changed)."""
    from .console import audit_lines, history_lines
    from .history import database_path, open_history
    from .templates import load_templates

    loaded = load_templates(args.templates)
    where = database_path(data_folder(args), loaded.settings.county)
    if not where.exists():
        print(f"还没有数据文件 {where}：完整运行一次（python run_report.py）后即有记录。", file=sys.stderr)
        return EXIT_USAGE
    history = open_history(where.parent, loaded.settings.county)
    try:
        for notice in history.notices:
            print(notice, file=sys.stderr)
        campaign = loaded.campaign
        if args.command == "history":
            periods = history.periods(campaign.name)
            print("\n".join(history_lines(history.runs(campaign.name), periods, campaign, where)))
            return EXIT_OK
        from .audit import audit

        _require_inputs(args.inputs)
        checked = audit(history, campaign.name, args.inputs, args.as_of)
    finally:
        history.close()
    if checked is None:
        which = f"统计截止日期为{cn_date(args.as_of)}的" if args.as_of else ""
        print(
            f"数据文件中没有{which}“{campaign.name}”的汇总记录，可用 python run_report.py history 查看已记录的各期。",
            file=sys.stderr,
        )
        return EXIT_USAGE
    print("\n".join(audit_lines(checked)))
    return EXIT_OK if checked.intact else EXIT_DATA


def _forms(args: argparse.Namespace) -> int:
    from .forms import write_forms
    from .templates import load_templates

    loaded = load_templates(args.templates)
    folder = args.outputs / FORMS_FOLDER
    previous = _set_aside(folder)
    if previous is not None:
        print(f"上次生成的下发标准表已移到：{previous}（没有删除；确认不再需要后可自行删除）")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        blank, *prefilled = write_forms(loaded.campaign, loaded.roster, loaded.settings, folder)
    except PermissionError as exc:
        raise ConfigError(
            f"无法写入 {exc.filename}：该文件可能正在 Excel/WPS 中打开，请关闭后重试。"
        ) from None
    print(f"已生成空白标准表：{blank}")
    print(f"已生成各{loaded.campaign.scope.unit.name}预填标准表 {len(prefilled)} 份，位于：{folder}")
    return EXIT_OK


def _template(args: argparse.Namespace) -> int:
    """Write the template generated from the definition into the outputs folder, for tuning in Word."""
    from .atomic import atomic_write
    from .report_template import generated_template
    from .templates import load_templates

    loaded = load_templates(args.templates)
    data = generated_template(loaded.campaign)
    written = atomic_write(Path(args.outputs) / GENERATED_TEMPLATE, lambda temp: temp.write_bytes(data))
    print(f"已生成工作总结模板：{written}")
    print("用 Word 修改文字后，另存为 templates/工作总结模板.docx，下次运行即按它生成报告。")
    return EXIT_OK


def _set_aside(folder: Path) -> Path | None:
    """Move a previous set of forms out of the way (下发标准表（旧，20261120-093000）), never delete it:
    forms of another county or period must not be sent out with the new ones."""
    if not folder.is_dir() or not any(folder.iterdir()):
        return None
    stamp = datetime.fromtimestamp(folder.stat().st_mtime).strftime("%Y%m%d-%H%M%S")
    target = folder.with_name(f"{folder.name}（旧，{stamp}）")
    n = 2
    while target.exists():
        target, n = folder.with_name(f"{folder.name}（旧，{stamp}，{n}）"), n + 1
    folder.rename(target)
    return target


def _utf8_console() -> None:
    """Chinese text on a Windows console that is not UTF-8 would otherwise raise."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower() not in ("utf-8", "utf8"):
            try:
                stream.reconfigure(encoding="utf-8", errors="replace")
            except (ValueError, OSError):
                pass
