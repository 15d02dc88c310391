"""The learner's frames, the failing line and expression, and the values of its names, read without running their code.

Only names, ``.T``, ``.shape`` and constant indices are evaluated, on plain arrays, numbers and containers
(:func:`_value`): nothing the learner wrote is called.
"""

from __future__ import annotations

import ast
import linecache

import numpy as np

_UNKNOWN = object()


_MAX = 260  # characters of the sentence (the runner keeps 500 of the whole message)


def _frames(error, path):
    """``[(frame, lineno, lasti)]`` of the traceback's entries in the learner's file, outermost first."""
    found, tb = [], error.__traceback__
    while tb is not None:
        if _same_file(tb.tb_frame.f_code.co_filename, path):
            found.append((tb.tb_frame, tb.tb_lineno, tb.tb_lasti))
        tb = tb.tb_next
    return found


def _same_file(filename, path):
    import os

    return os.path.abspath(filename) == path or filename == path


class _Source:
    """The learner's file: its text and syntax tree (None when it cannot be read or parsed)."""

    def __init__(self, path, frame):
        lines = linecache.getlines(path, frame.f_globals) or linecache.getlines(frame.f_code.co_filename,
                                                                                frame.f_globals)
        self.text = "".join(lines)
        try:
            self.tree = ast.parse(self.text) if self.text else None
        except SyntaxError:
            self.tree = None
        self.functions, self.docs = {}, {}
        if self.tree is not None:
            for node in ast.walk(self.tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.functions[node.name] = node  # the last definition wins, as in the module
                    if ast.get_docstring(node):
                        self.docs.setdefault(node.name, ast.get_docstring(node))
            for name, node in self.functions.items():  # a redefinition without a docstring keeps the exercise's
                node.bplab_doc = self.docs.get(name, "")

    def segment(self, node):
        """The source text of ``node`` on one line (ast.get_source_segment re-splits the whole file each time)."""
        if not hasattr(self, "_lines"):
            self._lines = self.text.splitlines(True)
        try:
            first, last = node.lineno - 1, node.end_lineno - 1
            if first == last:
                text = self._lines[first].encode()[node.col_offset:node.end_col_offset].decode()
            else:
                text = self._lines[first].encode()[node.col_offset:].decode() + "".join(self._lines[first + 1:last]) \
                    + self._lines[last].encode()[:node.end_col_offset].decode()
        except (AttributeError, IndexError, TypeError, UnicodeDecodeError):
            text = ast.get_source_segment(self.text, node) or ""
        return " ".join(text.split())


def _position(frame, lasti):
    """(lineno, end_lineno, col, end_col) of the instruction that raised, or None."""
    try:
        positions = list(frame.f_code.co_positions())
        return positions[lasti // 2] if 0 <= lasti // 2 < len(positions) else None
    except (AttributeError, IndexError):
        return None


def _statement(function, lineno):
    """The innermost statement of ``function`` on ``lineno``."""
    best = None
    for node in ast.walk(function):
        if isinstance(node, ast.stmt) and node is not function and node.lineno <= lineno <= (node.end_lineno or 0):
            if best is None or (node.end_lineno - node.lineno, -node.col_offset) <= \
                    (best.end_lineno - best.lineno, -best.col_offset):
                best = node
    return best


def _expression(statement, position):
    """The node of ``statement`` at exactly ``position`` (the expression that raised), else None."""
    if statement is None or position is None or None in position:
        return None
    line, end_line, col, end_col = position
    for node in ast.walk(statement):
        if isinstance(node, ast.expr) and (node.lineno, node.end_lineno, node.col_offset, node.end_col_offset) == \
                (line, end_line, col, end_col):
            return node
    return None


def _lookup(name, frame):
    if name in frame.f_locals:
        return frame.f_locals[name]
    if name in frame.f_globals:
        return frame.f_globals[name]
    return _UNKNOWN


def _value(node, frame, depth=0):
    """The value of a simple expression (names, ``.T``, constant indices), never calling learner code."""
    if depth > 6:
        return _UNKNOWN
    if isinstance(node, ast.Name):
        value = _lookup(node.id, frame)
        return value if _plain(value) else _UNKNOWN
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)):
        return node.value
    if isinstance(node, ast.Attribute):
        base = _value(node.value, frame, depth + 1)
        if isinstance(base, np.ndarray) and node.attr in ("T", "shape", "ndim", "size"):
            return getattr(base, node.attr)
        return _UNKNOWN
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _value(node.operand, frame, depth + 1)
        return -inner if isinstance(inner, (int, float)) and not isinstance(inner, bool) else _UNKNOWN
    if isinstance(node, ast.Subscript):
        base = _value(node.value, frame, depth + 1)
        index = _value(node.slice, frame, depth + 1)
        if index is _UNKNOWN or base is _UNKNOWN:
            return _UNKNOWN
        index = int(index) if isinstance(index, np.integer) else index
        try:
            if isinstance(base, np.ndarray) and isinstance(index, (int, np.integer, tuple)) \
                    and all(isinstance(i, (int, np.integer, slice)) for i in np.atleast_1d(index) if i is not None):
                return base[index]
            if isinstance(base, (tuple, list)) and isinstance(index, int):
                return base[index]
            if isinstance(base, dict) and isinstance(index, (str, int)):
                return base.get(index, _UNKNOWN)
        except (IndexError, TypeError, ValueError):
            return _UNKNOWN
        return _UNKNOWN
    if isinstance(node, ast.Slice):
        parts = [None if p is None else _value(p, frame, depth + 1) for p in (node.lower, node.upper, node.step)]
        if any(p is _UNKNOWN or not (p is None or isinstance(p, int)) for p in parts):
            return _UNKNOWN
        return slice(*parts)
    if isinstance(node, ast.Tuple):
        items = tuple(_value(e, frame, depth + 1) for e in node.elts)
        return _UNKNOWN if any(i is _UNKNOWN for i in items) else items
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARISONS:
        return _numeric(_COMPARISONS[type(node.ops[0])], [_value(node.left, frame, depth + 1),
                                                          _value(node.comparators[0], frame, depth + 1)])
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        return _numeric(_ARITHMETIC[type(node.op)], [_value(node.left, frame, depth + 1),
                                                     _value(node.right, frame, depth + 1)])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.keywords or \
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and all(
                k.arg in ("axis", "keepdims") and isinstance(k.value, (ast.Constant, ast.UnaryOp)) for k in node.keywords):
        keywords = {k.arg: _value(k.value, frame, depth + 1) for k in node.keywords}
        args = [_value(a, frame, depth + 1) for a in node.args]
        owner = node.func.value
        if isinstance(owner, ast.Name) and owner.id in ("np", "numpy") and node.func.attr in _NUMPY:
            return _numeric(getattr(np, node.func.attr), args, keywords)
        if node.func.attr in _METHODS:
            base = _value(owner, frame, depth + 1)
            if isinstance(base, np.ndarray):
                return _numeric(getattr(np.ndarray, node.func.attr), [base, *args], keywords)
    return _UNKNOWN


_ARITHMETIC = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
               ast.Pow: np.power, ast.MatMult: np.matmul}


_COMPARISONS = {ast.Gt: np.greater, ast.GtE: np.greater_equal, ast.Lt: np.less, ast.LtE: np.less_equal}


_NUMPY = {"exp", "log", "tanh", "sqrt", "abs", "maximum", "minimum", "sign", "log1p", "square", "outer", "dot",
          "matmul", "sum", "mean", "max", "min", "transpose", "diag", "ones_like", "zeros_like"}


_METHODS = {"sum", "mean", "max", "min", "copy", "transpose"}


def _numeric(function, args, keywords=None):
    """``function(*args)`` on plain arrays and numbers only, small enough to be cheap; _UNKNOWN otherwise."""
    if any(a is _UNKNOWN or not isinstance(a, (np.ndarray, int, float, np.generic)) or isinstance(a, bool)
           for a in args) or any(v is _UNKNOWN for v in (keywords or {}).values()):
        return _UNKNOWN
    if sum(np.size(a) for a in args) > 1_000_000:
        return _UNKNOWN
    try:
        with np.errstate(all="ignore"):
            return function(*args, **(keywords or {}))
    except Exception:  # noqa: BLE001 - the failing operation itself, or any other: nothing to say
        return _UNKNOWN


def _plain(value):
    """Values it is safe to look at: arrays, numbers, strings, None and plain containers of them."""
    return value is None or type(value) in (np.ndarray, int, float, bool, str, tuple, list, dict) \
        or isinstance(value, (np.generic,))


def _shape_text(shape):
    return "(" + ", ".join(str(int(s)) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _show(value, depth=0):
    """A short description of a value: ``(5, 3)`` for an array, ``a tuple of 3: ((5, 4), (4, 3), (3,))``."""
    if isinstance(value, np.ndarray):
        return _shape_text(value.shape)
    if value is None:
        return "None"
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float, np.generic)):
        return f"the number {value:.4g}" if isinstance(value, (float, np.floating)) else f"the number {value}"
    if isinstance(value, (tuple, list)) and depth == 0:
        kind = type(value).__name__
        inner = ", ".join(_show(v, 1) for v in value[:6]) + (", ..." if len(value) > 6 else "")
        return f"a {kind} of {len(value)}: ({inner})"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    if isinstance(value, dict):
        keys = ", ".join(repr(k) for k in list(value)[:6])
        return f"a dict with keys {keys}" if value else "an empty dict {}"
    return f"a {type(value).__name__}"


def _names_shown(node, frame, limit=4):
    """``"dout (5, 3), W (4, 3)"``: the arrays and containers named in ``node``, with their shapes."""
    seen, parts = set(), []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id not in seen and sub.id not in ("np", "numpy"):
            seen.add(sub.id)
            value = _lookup(sub.id, frame)
            if isinstance(value, (np.ndarray, tuple, list, dict)) or value is None and sub.id in frame.f_locals:
                parts.append(f"{sub.id} {_show(value)}")
    return ", ".join(parts[:limit])


def _quote(text, limit=70):
    text = " ".join(text.split())
    return f"`{text if len(text) <= limit else text[:limit - 3] + '...'}`"


def _learner_callee(node, frame, path):
    """The learner's function called by ``node`` (``ex.f(...)``, or ``call(ex.f, ...)`` in a check), else None."""
    for candidate in ([node.func] + list(node.args[:1])) if isinstance(node, ast.Call) else []:
        try:
            fn = eval(compile(ast.Expression(candidate), "<callee>", "eval"), frame.f_globals, dict(frame.f_locals))
        except Exception:  # noqa: BLE001 - only attribute lookups; anything else is not a learner's function
            continue
        code = getattr(fn, "__code__", None)
        if code is not None and _same_file(code.co_filename, path):
            return fn
    return None


def _enclosing(source, lineno):
    """The innermost function of the file around ``lineno`` (for a generator expression's or a lambda's frame)."""
    around = [f for f in source.functions.values() if f.lineno <= lineno <= (f.end_lineno or 0)]
    return min(around, key=lambda f: f.end_lineno - f.lineno) if around else None


def _any_frame(error):
    tb = error.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame


def _cut(text, limit=400):
    return text if len(text) <= limit else text[:limit - 3] + "..."
