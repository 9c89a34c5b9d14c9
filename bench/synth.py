"""A synthetic county for the benchmark: a roster of N villages and one filled form per village.

Writing 30,000 forms with openpyxl would take many minutes, so one real form is built with
county_report.forms, and each village's file is that form with its value cells and table rows
patched into the sheet XML and re-zipped; the parts every file shares are deflated only once.
Seeded: the same N and seed give the same files. Corpora are cached under bench/out/.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from county_report.definition import GROUP, UNIT, load_campaign
from county_report.definition import Campaign as FormSpec
from county_report.forms import build_form, form_layout, prefilled_name
from county_report.settings import FORM_FILE, REPORT_TEMPLATE_FILE, ROSTER_FILE, SETTINGS_FILE

ROOT = Path(__file__).resolve().parents[1]

OUT = Path(__file__).resolve().parent / "out"
AS_OF = date(2026, 11, 20)
EXCEL_EPOCH = date(1899, 12, 30)
FIXED_TIME = datetime(2026, 1, 1, 8, 0, 0)  # document properties: same bytes every run
VILLAGES_PER_TOWNSHIP = 15  # a county of ~300 villages has ~20 townships
LEDGER_ROWS = (5, 29)  # per village, uniform: ~17 on average, ~500,000 rows for 30,000 villages
CORPUS_VERSION = 3  # bump when the generated files change, so old caches are not reused

_SYLLABLES = (
    "东风红旗向阳新华和平胜利团结光明前进建设永丰丰收五星幸福民主联合金星石门桃园杨柳大坪小河龙潭凤凰"
    "白果黄泥青杠松林竹园高桥马鞍狮子观音双井三合四方长岭梨树柏杨水井兴隆太和安乐长春福兴瓦窑石板花园"
)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅志文斌海燕玉德春花永福庆"
_PROBLEMS = (
    "组通组公路路面破损，雨天积水", "组饮水管道老化，夏季供水不足", "组路灯损坏", "组独居老人无人照料",
    "组柑橘滞销，请求帮助联系销路", "组夜间有外来车辆倾倒建筑垃圾", "组土地流转租金拖欠", "组危房户申请改造",
)  # fmt: skip
_UNITS = ("村委会", "镇农业服务中心", "镇派出所", "镇卫生院", "镇民政办", "县交通运输局", "县水利局")
_RESULTS = ("已修复并验收", "已协调解决", "正在与相关部门对接", "已上报镇里协调解决", "")


@dataclass(frozen=True)
class Corpus:
    """A generated county: templates/ (form, settings, roster, Word template) and inputs/."""

    root: Path
    n: int
    seed: int

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def inputs(self) -> Path:
        return self.root / "inputs"


def corpus(n: int, seed: int = 1, out: Path = OUT, templates: Path = ROOT / "templates") -> Corpus:
    """The corpus for (n, seed), generated on first use and cached under `out`."""
    root = Path(out) / f"n{n}-seed{seed}"
    marker = root / "corpus.json"
    wanted = {"version": CORPUS_VERSION, "n": n, "seed": seed}
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == wanted:
        return Corpus(root, n, seed)
    shutil.rmtree(root, ignore_errors=True)
    generate(root, n, seed, Path(templates))
    marker.write_text(json.dumps(wanted), encoding="utf-8")
    return Corpus(root, n, seed)


def generate(root: Path, n: int, seed: int, templates: Path) -> None:
    """Write templates/ and inputs/ under `root`: a roster of n villages and n filled forms."""
    rng = random.Random(seed)
    (root / "templates").mkdir(parents=True)
    (root / "inputs").mkdir()
    for name in (FORM_FILE, SETTINGS_FILE, REPORT_TEMPLATE_FILE):
        shutil.copyfile(templates / name, root / "templates" / name)
    spec = load_campaign(templates / FORM_FILE)
    villages = synth_roster(n, rng)
    write_roster(spec, villages, root / "templates" / ROSTER_FILE)
    form = FormPatcher(spec)
    for township, village in villages:
        data = form.village_file(township, village, rng)
        (root / "inputs" / prefilled_name(township, village)).write_bytes(data)


def synth_roster(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """n (township, village) pairs, ~15 villages a township, names unique within a township."""
    names = sorted({a + b for a in _SYLLABLES for b in _SYLLABLES if a != b})  # the pools share characters
    rng.shuffle(names)
    townships = -(-n // VILLAGES_PER_TOWNSHIP)
    rows = []
    for t in range(townships):
        township = (
            names[t % len(names)]
            + ("镇" if t % 3 else "乡")
            + (str(t // len(names)) if t >= len(names) else "")
        )
        count = min(VILLAGES_PER_TOWNSHIP, n - len(rows))
        for v in rng.sample(range(len(names)), count):
            rows.append((township, names[v] + ("社区" if v % 7 == 0 else "村")))
    return rows


def write_roster(spec: FormSpec, villages: list[tuple[str, str]], path: Path) -> None:
    """名册.xlsx with xlsxwriter: a 30,000-row roster in a second, not a minute."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("名册")
    ws.write_row(0, 0, (spec.role(GROUP).label, spec.role(UNIT).label, "别名"))
    for r, (township, village) in enumerate(villages, start=1):
        ws.write_string(r, 0, township)
        ws.write_string(r, 1, village)
    book.close()


def _text_cell(ref: str, text: str, style: str = "") -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def _number_cell(ref: str, value: float | int, style: str = "") -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="n"><v>{value}</v></c>'


def _serial(d: date) -> int:
    return (d - EXCEL_EPOCH).days


class FormPatcher:
    """The standard form built once; each village's file is it with values patched into the XML."""

    def __init__(self, spec: FormSpec):
        self.spec = spec
        self.layout = form_layout(spec)
        self.parts = _form_parts(build_form(spec, place=("@", "@")))
        self.sheet_parts = _sheet_parts(self.parts, spec)
        basic = self.parts[self.sheet_parts[spec.basic_sheet]].decode("utf-8")
        self.basic_segments, self.basic_styles = _split_value_cells(basic, self.layout)
        self.tables = {t.sheet: _TableTemplate(self.parts[self.sheet_parts[t.sheet]].decode("utf-8")) for t in
                       (spec.ledger, spec.highlights)}  # fmt: skip
        varying = {self.sheet_parts[s] for s in (spec.basic_sheet, spec.ledger.sheet, spec.highlights.sheet)}
        self.fixed = {name: _deflate(data) for name, data in self.parts.items() if name not in varying}

    def village_file(self, township: str, village: str, rng: random.Random) -> bytes:
        """The bytes of one filled .xlsx for this village."""
        spec = self.spec
        ledger = self._ledger_rows(rng)
        solved = sum(1 for row in ledger if row[6] == spec.solved_status)
        values = self._field_values(township, village, len(ledger), solved, rng)
        basic = "".join(seg if i % 2 == 0 else values[seg] for i, seg in enumerate(self.basic_segments))
        highlights = [
            (1, f"{village}院坝会让群众说事有地方", f"{village}每月召开院坝会，问题当场登记、限时答复。")
        ]
        patched = {
            self.sheet_parts[spec.basic_sheet]: basic,
            self.sheet_parts[spec.ledger.sheet]: self.tables[spec.ledger.sheet].fill(ledger),
            self.sheet_parts[spec.highlights.sheet]: self.tables[spec.highlights.sheet].fill(
                highlights[: rng.randint(0, 1)]
            ),
        }
        members = []
        for name in self.parts:
            if name in patched:
                members.append((name, _deflate(patched[name].encode("utf-8"))))
            else:
                members.append((name, self.fixed[name]))
        return _zip(members)

    def _field_values(self, township: str, village: str, problems: int, solved: int, rng) -> dict[str, str]:
        """Value-cell XML for every field, keyed by cell address."""
        households, needy = rng.randint(80, 600), rng.randint(5, 40)
        numbers = {
            "cadres": rng.randint(5, 30), "households": households, "visits": households * 3,
            "enterprises": rng.randint(0, 12), "meetings": rng.randint(2, 18),
            "leaflets": rng.randrange(200, 3000, 10), "suggestions": rng.randint(5, 80),
            "problems": problems, "solved": solved, "disputes": rng.randint(0, 9),
            "petitions": rng.randint(0, 40), "needy": needy, "relief": needy * 300 + rng.choice((0, 0.5)),
            "funds": round(rng.uniform(0.5, 60), 1), "deeds": rng.randint(2, 30),
        }  # fmt: skip
        texts = {
            self.spec.role(GROUP).key: township,
            self.spec.role(UNIT).key: village,
            "reporter": rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN),
            "phone": f"13{rng.randrange(10**9):09d}",
        }
        dates = {"filled_on": AS_OF + timedelta(days=rng.randint(0, 2)), "as_of": AS_OF}
        out = {}
        for f in self.spec.fields:
            ref = self.layout.fields[f.key].value_cell
            style = self.basic_styles[ref]
            if f.type.numeric:
                out[ref] = _number_cell(ref, numbers.get(f.key, rng.randint(0, 50)), style)
            elif f.type.name == "date":
                out[ref] = _number_cell(ref, _serial(dates.get(f.key, AS_OF)), style)
            else:
                out[ref] = _text_cell(ref, texts.get(f.key, "无"), style)
        return out

    def _ledger_rows(self, rng: random.Random) -> list[tuple]:
        """Rows in form column order: 序号, 类别, 描述, 群众, 单位, 时限, 状态, 结果."""
        categories = self.spec.ledger.by_role("category").choices
        statuses = self.spec.ledger.by_role("status").choices
        rows = []
        for seq in range(1, rng.randint(*LEDGER_ROWS) + 1):
            status = rng.choice(statuses)
            rows.append(
                (
                    seq,
                    rng.choice(categories),
                    f"{rng.randint(1, 9)}{rng.choice(_PROBLEMS)}",
                    rng.choice(_SURNAMES) + "某某",
                    rng.choice(_UNITS),
                    AS_OF + timedelta(days=rng.randint(-40, 40)),
                    status,
                    rng.choice(_RESULTS) if status == self.spec.solved_status else "",
                )
            )
        return rows


class _TableTemplate:
    """A table sheet split around its data rows: header row kept, rows generated per village."""

    def __init__(self, xml: str):
        head, rest = xml.split("<sheetData>", 1)
        rows, self.tail = rest.split("</sheetData>", 1)
        self.header = re.match(r'<row r="1".*?</row>', rows).group(0)
        self.col_styles = {
            int(m[1]): m[0] for m in re.findall(r'<col [^>]*?style="(\d+)"[^>]*?min="(\d+)"', head)
        }
        self.head = head

    def fill(self, rows: list[tuple]) -> str:
        out = [self.header]
        for r, row in enumerate(rows, start=2):
            cells = []
            for c, value in enumerate(row):
                ref = f"{chr(65 + c)}{r}"
                style = self.col_styles.get(c + 1, "")
                if isinstance(value, date):
                    cells.append(_number_cell(ref, _serial(value), style))
                elif isinstance(value, int | float):
                    cells.append(_number_cell(ref, value, style))
                elif value:
                    cells.append(_text_cell(ref, value, style))
            out.append(f'<row r="{r}">{"".join(cells)}</row>')
        width = self.header.count("<c ")
        head = re.sub(
            r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{chr(64 + width)}{len(rows) + 1}"/>', self.head
        )
        return f"{head}<sheetData>{''.join(out)}</sheetData>{self.tail}"


def _split_value_cells(xml: str, layout) -> tuple[list[str], dict[str, str]]:
    """The sheet XML as [text, address, text, address, …, text] and each value cell's style."""
    refs = {place.value_cell for place in layout.fields.values()}
    pattern = re.compile(r'<c r="([A-Z]+\d+)"([^>]*?)(?:/>|>.*?</c>)')
    segments, styles, at = [], {}, 0
    for match in pattern.finditer(xml):
        if match.group(1) not in refs:
            continue
        style = re.search(r's="(\d+)"', match.group(2))
        styles[match.group(1)] = style.group(1) if style else ""
        segments += [xml[at : match.start()], match.group(1)]
        at = match.end()
    segments.append(xml[at:])
    missing = refs - set(styles)
    if missing:
        raise ValueError(f"value cells not in the generated form: {sorted(missing)}")
    return segments, styles


def _sheet_parts(parts: dict[str, bytes], spec: FormSpec) -> dict[str, str]:
    """Sheet name → worksheet part name, from workbook.xml and its rels."""
    book = parts["xl/workbook.xml"].decode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    targets = dict(re.findall(r'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    targets |= {
        rid: t for t, rid in re.findall(r'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)
    }
    out = {}
    for name, rid in re.findall(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', book):
        target = targets[rid].lstrip("/")
        out[_unescape(name)] = target if target.startswith("xl/") else f"xl/{target}"
    return out


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def _form_parts(book) -> dict[str, bytes]:
    """Every part of an openpyxl workbook, saved in memory, in archive order."""
    from openpyxl.writer.excel import ExcelWriter

    book.properties.created = book.properties.modified = FIXED_TIME  # same bytes every run
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    with zipfile.ZipFile(buffer) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@dataclass(frozen=True)
class _Deflated:
    data: bytes
    crc: int
    size: int


def _deflate(data: bytes) -> _Deflated:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return _Deflated(packer.compress(data) + packer.flush(), zlib.crc32(data), len(data))


_DOS_TIME, _DOS_DATE = 0x4000, (2026 - 1980) << 9 | 1 << 5 | 1  # 2026-01-01 08:00, as forms.py


def _zip(members: list[tuple[str, _Deflated]]) -> bytes:
    """A zip archive of already-deflated members (local headers, central directory, end record)."""
    body, directory = io.BytesIO(), io.BytesIO()
    for name, part in members:
        raw = name.encode("utf-8")
        offset = body.tell()
        fixed = (20, 0x800, 8, _DOS_TIME, _DOS_DATE, part.crc, len(part.data), part.size, len(raw))
        body.write(struct.pack("<4s5HL2L2H", b"PK\x03\x04", *fixed, 0) + raw + part.data)
        directory.write(struct.pack("<4s6HL2L5H2L", b"PK\x01\x02", 20, *fixed, 0, 0, 0, 0, 0, offset) + raw)
    start, size = body.tell(), directory.tell()
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), size, start, 0)
    return body.getvalue() + directory.getvalue() + end
