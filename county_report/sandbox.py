"""The Word template's sandbox: what a template may do, and how much of it.

A county edits the template in Word, so a template is data, not code, and must not be able to
exhaust the machine: nested loops once reached 3.8 GB in 36 s. jinja2's SandboxedEnvironment
stops unsafe attribute access; on top of it every render is bounded here, in a way that does
not depend on the operating system (Windows has no setrlimit):
- loop iterations, all loops of one render together (MAX_LOOP_ITERATIONS);
- ranges (MAX_RANGE), and any number given to a call or filter (MAX_ARGUMENT: widths, counts);
- the size of what `*`, `**`, `%`, `+` and `~` build (MAX_PIECE), and of the output (MAX_OUTPUT).
Every limit raises TemplateLimit with a Chinese message; report.py names the template. The
wall-clock limit is the sidecar's (sidecar.py): the render runs in a child that is killed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import wraps
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.environment import Template
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from jinja2.utils import _PassArg
from jinja2.visitor import NodeTransformer

MAX_LOOP_ITERATIONS = 2_000_000  # a 30,000-unit table of 20 columns is 600,000
MAX_RANGE = 100_000
MAX_ARGUMENT = 1_000_000
MAX_PIECE = 10_000_000  # characters (or items) one operation may build
MAX_OUTPUT = 50_000_000  # characters of one rendered part (document.xml of a large county: ~5 MB)
_WIDE_FORMAT = re.compile(r"[%{:][^a-zA-Z}]*?\d{7,}")  # "%100000000s", "{:>100000000}"
_BUDGET_NAME, _CONCAT_NAME = "__county_report_loop_budget__", "__county_report_concat__"


class TemplateLimit(SecurityError):
    """A render went past one of the sandbox's limits; the message is Chinese."""


class _Budget:
    def __init__(self) -> None:
        self.iterations = 0

    def counted(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self.iterations += 1
            if self.iterations > MAX_LOOP_ITERATIONS:
                raise TemplateLimit(f"循环次数超过 {MAX_LOOP_ITERATIONS:,} 次，可能是循环套得太多")
            yield item


class _Bounded(NodeTransformer):
    """Wrap every loop's sequence in the render's budget, and every `~` in a bounded join."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Call(nodes.Name(_BUDGET_NAME, "load"), [node.iter], [], None, None)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Call(nodes.Name(_CONCAT_NAME, "load"), [nodes.List(node.nodes)], [], None, None)


class _CappedTemplate(Template):
    def render(self, *args: Any, **kwargs: Any) -> str:
        """Template.render, stopping once the output passes MAX_OUTPUT characters."""
        context = self.new_context(dict(*args, **kwargs))
        pieces, size = [], 0
        try:
            for piece in self.root_render_func(context):
                size += len(piece)
                if size > MAX_OUTPUT:
                    raise TemplateLimit(f"生成的内容超过 {MAX_OUTPUT:,} 个字符")
                pieces.append(piece)
        except Exception:  # noqa: BLE001 - as Template.render: the environment reports it
            self.environment.handle_exception()
        return self.environment.concat(pieces)


class CappedEnvironment(SandboxedEnvironment):
    """A SandboxedEnvironment whose every render is bounded (see the module's docstring)."""

    template_class = _CappedTemplate
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options: Any) -> None:
        options.setdefault("undefined", StrictUndefined)
        super().__init__(**options)
        self.budget = _Budget()
        self.globals.update({"range": _range, _BUDGET_NAME: self.budget.counted, _CONCAT_NAME: self._concat})

    def _generate(self, source, name, filename, defer_init=False):  # noqa: ANN001 - jinja's hook
        return super()._generate(_Bounded().visit(source), name, filename, defer_init=defer_init)

    def call_binop(self, context, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**" and _number(right) and abs(right) > 64 and _number(left) and abs(left) > 1:
            raise TemplateLimit(f"乘方的指数 {right} 过大")
        if operator_name == "+" and _length(left) + _length(right) > MAX_PIECE:
            raise TemplateLimit(f"拼接的内容超过 {MAX_PIECE:,} 个字符")
        if operator_name == "*" and _sized(left, right) > MAX_PIECE:
            raise TemplateLimit(f"重复生成的内容超过 {MAX_PIECE:,} 个字符")
        if operator_name == "%" and isinstance(left, str) and _WIDE_FORMAT.search(left):
            raise TemplateLimit("格式中的宽度过大")
        return _checked(super().call_binop(context, operator_name, left, right))

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - jinja's signature
        _check_arguments(args, kwargs)
        bound = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)  # "{:>9}".format, wrapped
        if isinstance(bound, str) and _WIDE_FORMAT.search(bound):
            raise TemplateLimit("格式中的宽度过大")
        return _checked(super().call(__context, __obj, *args, **kwargs))

    def _concat(self, parts: list[Any]) -> str:
        if sum(len(str(p)) for p in parts) > MAX_PIECE:
            raise TemplateLimit(f"拼接的文字超过 {MAX_PIECE:,} 个字符")
        return markup_join(parts) if self.autoescape else str_join(parts)


def capped_environment(filters: dict[str, Any] | None = None, **options: Any) -> CappedEnvironment:
    """The report's environment: bounded, with every filter's numeric arguments bounded too."""
    env = CappedEnvironment(**options)
    env.filters.update(filters or {})
    env.filters = {name: _bounded_filter(f) for name, f in env.filters.items()}
    return env


def _bounded_filter(function):
    skip = 2 if _PassArg.from_obj(function) is not None else 1  # (context,) value: not bounded

    @wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_arguments(args[skip:], kwargs)
        return _checked(function(*args, **kwargs))

    return bounded


def _range(*args: int) -> range:
    _check_arguments(args, {})
    found = range(*args)
    if len(found) > MAX_RANGE:
        raise TemplateLimit(f"range() 的范围超过 {MAX_RANGE:,}")
    return found


def _check_arguments(args, kwargs) -> None:
    for value in (*args, *kwargs.values()):
        if _number(value) and abs(value) > MAX_ARGUMENT:
            raise TemplateLimit(f"参数 {value} 过大（上限 {MAX_ARGUMENT:,}）")


def _checked(result: Any) -> Any:
    if isinstance(result, (str, bytes, list, tuple)) and len(result) > MAX_PIECE:
        raise TemplateLimit(f"生成的内容超过 {MAX_PIECE:,} 个字符")
    return result


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _length(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else 0


def _sized(left: Any, right: Any) -> int:
    """How long `left * right` would be, for a sequence times a count (0 for numbers)."""
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, (str, bytes, list, tuple)) and isinstance(count, int):
            return len(seq) * max(count, 0)
    return 0
