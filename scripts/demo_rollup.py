"""The three-county example, end to end: each county runs over its villages' forms into its own
folder, then the city runs over the counties' 上报表 and the form its 市直单位 filled by hand.

Usage: python scripts/demo_rollup.py --outputs 某个文件夹

The counties are 示例县 (the shipped demo: templates/ and inputs/) and the two under
examples/三县汇总/; the city is examples/三县汇总/示例市. All four use the same definition file
(templates/form.toml), the city bound at 市 by the 设置 sheet of its roster. Each run is the
program's own pipeline, as `python run_report.py` does it; the reports are dated DEMO_DAY rather
than today, so the demo writes the same figures and dates whenever it is run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import date
from pathlib import Path

from county_report.cli import _utf8_console
from county_report.console import summary_lines
from county_report.errors import ConfigError, OutputsBusy
from county_report.model import RunOptions, RunResult
from county_report.pipeline import run
from county_report.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "三县汇总"
CITY = EXAMPLE / "示例市"
COUNTIES = (ROOT, EXAMPLE / "丰乐县", EXAMPLE / "桃源县")  # each holds templates/ and inputs/
CITY_INPUTS = "收到的报表"  # under the city's folder: the counties' 上报表 and the 市直单位's form
DEMO_DAY = date(2026, 11, 25)  # 成文日期 of every report, 填报日期 of every 上报表


def run_office(folder: Path, inputs: Path, outputs: Path) -> RunResult:
    """One office's full run, as the command line makes it."""
    return run(RunOptions(inputs, outputs, folder / "templates"), report_date=DEMO_DAY)


def gather_city_inputs(county_results: list[RunResult], city_inputs: Path) -> list[Path]:
    """The city's inputs folder, made afresh: every county's 上报表 and the city's own demo forms."""
    if city_inputs.exists():
        shutil.rmtree(city_inputs)  # only this demo writes here: a rerun must not read old files
    city_inputs.mkdir(parents=True)
    sources = [r.upward_path for r in county_results] + sorted((CITY / "inputs").glob("*.xlsx"))
    return [Path(shutil.copy2(source, city_inputs / source.name)) for source in sources]


def demo_rollup(outputs: Path, say=print) -> tuple[list[RunResult], RunResult]:
    """Run the three counties, then the city; returns (county results, city result)."""
    counties = []
    for folder in COUNTIES:
        name = load_settings(folder / "templates").county
        say(f"—— {name}：读取 {folder / 'inputs'} 中各村（社区）的报表 ——")
        result = run_office(folder, folder / "inputs", outputs / name)
        if result.upward_path is None:
            raise ConfigError(f"{name} 没有生成上报表，无法继续汇总到市里（见上面的提示）。")
        say("\n".join(summary_lines(result)) + "\n")
        counties.append(result)
    city = load_settings(CITY / "templates").county
    city_inputs = outputs / city / CITY_INPUTS
    copied = gather_city_inputs(counties, city_inputs)
    say(f"—— {city}：读取 {city_inputs} 中的 {len(copied)} 份报表（各县的上报表和市直单位手工填的表）——")
    result = run_office(CITY, city_inputs, outputs / city)
    say("\n".join(summary_lines(result)))
    return counties, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="三县汇总演示：先运行三个县，再用各县的上报表运行示例市")
    parser.add_argument("--outputs", type=Path, required=True, help="放各县和示例市结果的文件夹")
    args = parser.parse_args(argv)
    _utf8_console()  # a Windows console that is not UTF-8 would otherwise fail on the first Chinese line
    try:
        counties, city = demo_rollup(args.outputs)
    except (ConfigError, OutputsBusy) as exc:
        print(f"演示未完成：{exc}", file=sys.stderr)
        return 2
    print()
    print("演示完成。各级的结果：")
    for result in (*counties, city):
        print(f"  {result.workbook_path.parent}")
    print(f"示例市汇总表：{city.workbook_path}")
    print(f"示例市工作总结：{city.report_path}")
    if city.upward_path is not None:
        print(f"示例市报省的上报表：{city.upward_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
