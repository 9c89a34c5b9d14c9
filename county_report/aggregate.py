"""Township and county totals from the accepted submissions: the figures both outputs show.

Integer metrics are summed as int64; decimal ones (money) as integer millionths, so sums are
exact (0.1 + 0.2 == 0.3). The county row is the sum of the township rows, rates are
recomputed from totals (never averaged), and every table follows the roster's order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, repeat
from operator import itemgetter

import numpy as np
import pandas as pd

from .formspec import FormSpec
from .model import Submission
from .roster import Roster

TOTAL = "合计"
REPORTED, MISSING, TO_CORRECT = "已报", "未报", "有误待更正"
UNFILLED = "（未填写）"  # a ledger row whose category or status was left blank
MICRO = 1_000_000  # decimal metrics are summed in millionths of their unit
_EXACT_LIMIT = 2**53 / MICRO  # beyond this, value * MICRO is no longer an exact float

VILLAGE_COLUMNS = ("township", "village", "file", "reporter", "filled_on", "as_of")
PROGRESS_COLUMNS = ("township", "village", "reported", "status", "file")


@dataclass(frozen=True)
class Aggregate:
    """Everything the summary workbook and the Word report need, computed once."""

    spec: FormSpec
    as_of: date
    villages: pd.DataFrame
    townships: pd.DataFrame
    county: pd.Series
    progress: pd.DataFrame
    ledger: pd.DataFrame
    category_status: pd.DataFrame
    highlights: pd.DataFrame


def default_as_of(submissions: Sequence[Submission]) -> date | None:
    """The most common 统计截止日期 among accepted forms (the later date on a tie)."""
    counts = Counter(_as_date(s.header.get("as_of")) for s in submissions if s.accepted)
    counts.pop(None, None)
    if not counts:
        return None
    return max(counts, key=lambda d: (counts[d], d))


def aggregate(
    submissions: Sequence[Submission],
    roster: Roster,
    spec: FormSpec,
    as_of: date,
    to_correct: Collection[tuple[str, str]] = (),
) -> Aggregate:
    """Build every table from the accepted submissions; any rejected one passed in is left out.

    `to_correct`: villages whose latest file arrived but was rejected (shown as 有误待更正).
    """
    ordered = _in_roster_order([s for s in submissions if s.accepted], roster)
    villages = village_table(ordered, spec)
    townships, county = township_totals(villages, roster, spec)
    ledger = ledger_table(ordered, spec, as_of)
    return Aggregate(
        spec=spec,
        as_of=as_of,
        villages=villages,
        townships=townships,
        county=county,
        progress=progress_table(villages, roster, to_correct),
        ledger=ledger,
        category_status=category_status_table(ledger, spec),
        highlights=highlight_table(ordered, spec),
    )


def village_table(submissions: Sequence[Submission], spec: FormSpec) -> pd.DataFrame:
    """One row per submission: header values, every metric (typed), every rate."""
    filled_on, as_of = spec.role("filled_on").key, spec.role("as_of").key
    records = [
        {
            "township": s.township,
            "village": s.village,
            "file": s.file,
            "reporter": str(s.header.get("reporter") or ""),
            "filled_on": _as_date(s.header.get(filled_on)),
            "as_of": _as_date(s.header.get(as_of)),
            **{k: s.metrics.get(k, 0) for k in spec.metric_keys},
        }
        for s in submissions
    ]
    frame = pd.DataFrame.from_records(records, columns=[*VILLAGE_COLUMNS, *spec.metric_keys])
    frame = frame.astype(_metric_dtypes(spec)).reset_index(drop=True)
    return _with_rates(frame, spec)


def township_totals(villages: pd.DataFrame, roster: Roster, spec: FormSpec) -> tuple[pd.DataFrame, pd.Series]:
    """Per-township sums in roster order (zeros where nobody reported) and the 合计 row."""
    order = list(roster.townships) + [t for t in villages["township"].unique() if t not in roster.townships]
    micro = _to_micro_frame(villages, spec)
    sums = micro.groupby("township", sort=False)[list(spec.metric_keys)].sum()
    sums = sums.reindex(order, fill_value=0)
    reported = villages.groupby("township", sort=False)["village"].nunique().reindex(order, fill_value=0)
    counts = pd.DataFrame(
        {"expected": [roster.expected(t) for t in order], "reported": reported.to_numpy()},
        index=sums.index,
        dtype="int64",
    )
    exact = pd.concat([counts, sums], axis=1)  # ints and millionths: sums are exact
    townships = _from_micro_frame(exact, spec)
    townships = _with_rates(townships.rename_axis("township").reset_index(), spec)
    townships = _with_ranks(townships, spec)
    return townships, _county_row(exact.sum(), townships.columns, spec)


def progress_table(
    villages: pd.DataFrame, roster: Roster, to_correct: Collection[tuple[str, str]] = ()
) -> pd.DataFrame:
    """Every roster village, 已报, 有误待更正 or 未报, with the file that counted."""
    expected = pd.DataFrame(list(roster.villages), columns=["township", "village"], dtype=object)
    files = villages[["township", "village", "file"]].drop_duplicates(["township", "village"])
    merged = expected.merge(files.astype(object), how="left", on=["township", "village"], sort=False)
    reported = merged["file"].notna()
    wrong = set(to_correct)
    returned = [(t, v) in wrong for t, v in zip(merged["township"], merged["village"], strict=True)]
    return pd.DataFrame(
        {
            "township": merged["township"],
            "village": merged["village"],
            "reported": reported.astype(bool),
            "status": np.where(reported, REPORTED, np.where(returned, TO_CORRECT, MISSING)),
            "file": merged["file"].where(reported, "").astype(str),
        },
        columns=list(PROGRESS_COLUMNS),
    )


def ledger_table(submissions: Sequence[Submission], spec: FormSpec, as_of: date) -> pd.DataFrame:
    """All accepted ledgers in one table, with where each row came from and whether it is overdue."""
    columns = spec.ledger.columns
    rows = list(chain.from_iterable(s.ledger for s in submissions))

    def per_row(attribute: str) -> list:  # the submission's value, repeated for each of its rows
        return list(chain.from_iterable(repeat(getattr(s, attribute), len(s.ledger)) for s in submissions))

    # column by column with C-level iteration: 500,000 rows at province scale, no dict per row;
    # itemgetter (every row has every key, as validate builds it) is twice as fast as .get
    def column(key: str) -> list:
        return list(map(itemgetter(key), rows))

    data = {
        "township": per_row("township"),
        "village": per_row("village"),
        "file": per_row("file"),
        "row": column("_row"),
        **{c.key: column(c.key) for c in columns},
    }
    frame = _typed_table(pd.DataFrame(data, columns=list(data)), columns)
    frame["row"] = frame["row"].astype("Int64")
    deadline = pd.to_datetime(frame[spec.ledger.by_role("deadline").key], errors="coerce")
    open_item = frame[spec.ledger.by_role("status").key] != spec.solved_status
    frame["overdue"] = ((deadline < pd.Timestamp(as_of)) & open_item).astype(bool)
    return frame


def category_status_table(ledger: pd.DataFrame, spec: FormSpec) -> pd.DataFrame:
    """Ledger counts, category × status in form order, with a 合计 column."""
    category, status = spec.ledger.by_role("category"), spec.ledger.by_role("status")
    cats = ledger[category.key].replace("", UNFILLED)
    stats = ledger[status.key].replace("", UNFILLED)
    counts = pd.crosstab(cats, stats) if len(ledger) else pd.DataFrame()
    rows = list(category.choices) + [c for c in counts.index if c not in category.choices]
    cols = list(status.choices) + [c for c in counts.columns if c not in status.choices]
    table = counts.reindex(index=rows, columns=cols, fill_value=0).astype("int64")
    table[TOTAL] = table.sum(axis=1).astype("int64")
    table.index.name, table.columns.name = category.key, status.key
    return table


def highlight_table(submissions: Sequence[Submission], spec: FormSpec) -> pd.DataFrame:
    """All 典型事例 rows, with the township and village they came from."""
    columns = spec.highlights.columns
    records = [
        {
            "township": s.township,
            "village": s.village,
            "file": s.file,
            **{c.key: h.get(c.key) for c in columns},
        }
        for s in submissions
        for h in s.highlights
    ]
    keys = ["township", "village", "file", *(c.key for c in columns)]
    return _typed_table(pd.DataFrame.from_records(records, columns=keys), columns)


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator as float, NaN where the denominator is 0."""
    den = denominator.astype("float64")
    return numerator.astype("float64") / den.where(den != 0)


def _in_roster_order(submissions: Sequence[Submission], roster: Roster) -> list[Submission]:
    position = {tv: i for i, tv in enumerate(roster.villages)}
    last = len(position)
    return sorted(submissions, key=lambda s: (position.get((s.township, s.village), last), s.file))


def _metric_dtypes(spec: FormSpec) -> dict[str, str]:
    return {m.key: ("int64" if m.type == "integer" else "float64") for m in spec.metrics}


def _decimal_keys(spec: FormSpec) -> list[str]:
    return [m.key for m in spec.metrics if m.type == "decimal"]


def _to_micro_frame(villages: pd.DataFrame, spec: FormSpec) -> pd.DataFrame:
    """Decimal metrics as exact integer millionths (Python ints if a value is too large for int64)."""
    frame = villages[["township", *spec.metric_keys]].copy()
    for key in _decimal_keys(spec):
        values = frame[key].to_numpy(dtype="float64")
        if np.all(np.abs(values) < _EXACT_LIMIT):
            frame[key] = np.rint(values * MICRO).astype("int64")
        else:
            exact = [int(Decimal(repr(v)) * MICRO) for v in values.tolist()]
            frame[key] = pd.Series(exact, index=frame.index, dtype=object)
    return frame


def _from_micro_frame(frame: pd.DataFrame, spec: FormSpec) -> pd.DataFrame:
    out = frame.copy()
    for key in _decimal_keys(spec):
        out[key] = [v / MICRO for v in frame[key].tolist()]  # int / int is correctly rounded
        out[key] = out[key].astype("float64")
    return out


def _with_rates(frame: pd.DataFrame, spec: FormSpec) -> pd.DataFrame:
    rates = {r.key: ratio(frame[r.numerator], frame[r.denominator]) for r in spec.rates}
    return frame.assign(**rates)


def _with_ranks(townships: pd.DataFrame, spec: FormSpec) -> pd.DataFrame:
    """rank_<key>: 1 = highest, equal values share a rank; townships without reports come last."""
    ranks = {}
    for key in spec.ranking:
        eligible = (townships["reported"] > 0) & townships[key].notna()
        ranked = townships[key].where(eligible).rank(method="min", ascending=False)
        ranks[f"rank_{key}"] = ranked.fillna(int(eligible.sum()) + 1).astype("int64")
    return townships.assign(**ranks)


def _county_row(total: pd.Series, columns: pd.Index, spec: FormSpec) -> pd.Series:
    values: dict[str, object] = {"township": TOTAL}
    for key, value in total.items():
        values[key] = int(value)
    for key in _decimal_keys(spec):
        values[key] = values[key] / MICRO
    for rate in spec.rates:
        den = values[rate.denominator]
        values[rate.key] = values[rate.numerator] / den if den else float("nan")
    for key in spec.ranking:
        values[f"rank_{key}"] = float("nan")
    return pd.Series(values, dtype=object).reindex(columns)


def _typed_table(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """Table columns typed from the form: text '' when blank, integers nullable; dates stay date/None."""
    out = frame.copy()
    for col in columns:
        if col.type in ("text", "choice"):
            out[col.key] = out[col.key].fillna("").astype(str)
        elif col.type == "integer":
            out[col.key] = pd.array(out[col.key].tolist(), dtype="Int64")
        elif col.type == "decimal":
            out[col.key] = out[col.key].astype("float64")
    return out


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None
