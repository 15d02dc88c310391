"""An exception in the learner's code, told in terms of their code: the line, what it tried, with which shapes.

:func:`describe` is called in the sandbox's child (``sandbox._describe``) while the traceback's frames are still
alive: it reads the failing line of the learner's file, finds the expression that raised (Python's column
positions), looks up the values of the names it uses in that frame, and writes one or two sentences from the
exception's type, the expression's kind (a matrix product, an element-wise operation, an unpacking, an index, a
call) and what the learner's own file declares (the docstrings' parameter and return names and shapes, the
cache a forward function builds). It never re-runs the learner's code: only names, ``.T``, ``.shape`` and
constant indices are evaluated, on plain arrays, numbers and containers, so nothing the learner wrote is called.

It returns None when it has nothing better to say than the exception's own text.
"""

from __future__ import annotations

import ast
import difflib
import linecache
import re

import numpy as np

_UNKNOWN = object()
_MAX = 260  # characters of the sentence (the runner keeps 500 of the whole message)


# -- the learner's frames and the failing expression ---------------------------------------------

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


# -- values, safely --------------------------------------------------------------------------------

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


# -- what the learner's file declares ----------------------------------------------------------------

_SECTION = re.compile(r"^\s*(Parameters|Returns)\s*\n\s*-{3,}\s*$", re.M)
_ENTRY = re.compile(r"^ {0,8}([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s+:\s*(.*)$")  # numpydoc: "name : type"


def _docstring_section(function, title):
    """``[(name, description)]`` of a numpydoc section of ``function``'s docstring (``"Returns"``)."""
    text = getattr(function, "bplab_doc", None) or ast.get_docstring(function) or ""
    found = [m for m in _SECTION.finditer(text)]
    entries = []
    for i, match in enumerate(found):
        if match.group(1) != title:
            continue
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        body = text[match.end():end]
        indent = None
        for line in body.splitlines():
            if not line.strip():
                continue
            if re.match(r"^\s*-{3,}\s*$", line) or (line.strip() and line.lstrip() == line and line.strip().istitle()
                                                     and ":" not in line):
                break
            lead = len(line) - len(line.lstrip())
            if indent is None:
                indent = lead
            entry = _ENTRY.match(line.strip()) if lead == indent else None
            if lead == indent and not entry:
                break  # prose after the entries ends the section
            if entry:
                names = [n.strip() for n in entry.group(1).split(",")]
                entries.extend([n, entry.group(2)] for n in names)
            elif lead > (indent or 0) and entries:
                for item in entries[-len(names):]:
                    item[1] += " | " + line.strip()
    return [tuple(e) for e in entries]


def _described(function, name):
    """What the docstring says a parameter holds, after its type (``"s, the forward's output"``), or ''."""
    text = dict(_docstring_section(function, "Parameters")).get(name, "")
    said = text.split(" | ", 1)[1] if " | " in text else ""
    return re.sub(r"[`*]", "", said.split(" | ")[0]).strip(" .")


_SHAPE = re.compile(r"shape\s*(\([^)]*\))")


def _declared_shape(description):
    """``("N", "D")`` from ``"ndarray, shape (N, D)"``, else None."""
    match = _SHAPE.search(description)
    if not match:
        return None
    return tuple(s.strip() for s in match.group(1).strip("()").split(",") if s.strip())


def _bindings(function, frame):
    """Sizes of the docstring's symbols (``{"N": 5, "D": 4}``) from the arrays the function was given."""
    sizes = {}
    for name, description in _docstring_section(function, "Parameters"):
        shape = _declared_shape(description)
        value = frame.f_locals.get(name, _UNKNOWN)
        if shape and isinstance(value, np.ndarray) and value.ndim == len(shape):
            for symbol, size in zip(shape, value.shape):
                if re.fullmatch(r"[A-Za-z_]\w*", symbol):
                    sizes.setdefault(symbol, int(size))
    return sizes


def _expected_shape(name, function, frame, index=None):
    """The shape ``name`` (a result) must have, and why: ``((5, 4), "dx has the shape of x")``, else None.

    A gradient ``dX`` has the shape of ``X`` when ``X`` is an array in the frame; otherwise the docstring's Returns
    entry (by name, or by position ``index`` in a returned tuple) is bound to the parameters' sizes.
    """
    returns = _docstring_section(function, "Returns")
    if name is None and index is not None and index < len(returns):
        name = returns[index][0]
    if name is None:
        return None
    if name.startswith("d") and len(name) > 1:
        base = frame.f_locals.get(name[1:], _UNKNOWN)
        if isinstance(base, np.ndarray):
            return base.shape, f"{name} has the shape of {name[1:]}"
    declared = dict(returns).get(name)
    shape = _declared_shape(declared or "")
    if shape:
        sizes = _bindings(function, frame)
        if all(s in sizes or s.isdigit() for s in shape):
            return tuple(sizes[s] if s in sizes else int(s) for s in shape), f"{name} has shape {'(' + ', '.join(shape) + ')'}"
    return None


def _result_name(statement, node):
    """(name, index): what the value of ``node`` becomes (an assigned name, or the i-th returned value)."""
    if isinstance(statement, (ast.Assign, ast.Return)) and statement.value is not None:
        node = _sum_containing(statement.value, node)  # `x @ W + b` has the shape of `x @ W`
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if statement.value is node and isinstance(target, ast.Name):
            return target.id, None
        if isinstance(target, ast.Tuple) and isinstance(statement.value, ast.Tuple):
            for t, v in zip(target.elts, statement.value.elts):
                if v is node and isinstance(t, ast.Name):
                    return t.id, None
    if isinstance(statement, ast.AugAssign) and statement.value is node and isinstance(statement.target, ast.Name):
        return statement.target.id, None
    if isinstance(statement, ast.Return) and statement.value is not None:
        if statement.value is node:
            return None, 0
        if isinstance(statement.value, ast.Tuple):
            for i, v in enumerate(statement.value.elts):
                if v is node:
                    return None, i
    return None, None


def _sum_containing(top, node):
    """The outermost ``+``/``-`` expression around ``node`` within ``top`` (itself when there is none)."""
    for candidate in ast.walk(top):
        if isinstance(candidate, ast.BinOp) and isinstance(candidate.op, (ast.Add, ast.Sub)):
            inner = candidate
            while isinstance(inner, ast.BinOp) and isinstance(inner.op, (ast.Add, ast.Sub)):
                if node in (inner.left, inner.right):
                    return candidate
                inner = inner.left
    return node


def _forward_of(source, function_name):
    """The learner's forward function for a backward one (``linear_backward`` -> ``linear_forward``)."""
    if "backward" not in function_name:
        return None
    return source.functions.get(function_name.replace("backward", "forward"))


def _cache_built(source, function_name):
    """``("(x, W, b)", "linear_forward")``: how the learner's forward builds the cache its backward reads."""
    forward = _forward_of(source, function_name)
    if forward is None:
        return None
    for node in ast.walk(forward):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and len(node.value.elts) == 2:
            cache = node.value.elts[1]
            if isinstance(cache, ast.Name):
                name = cache.id
                for assign in ast.walk(forward):
                    if isinstance(assign, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name
                                                              for t in assign.targets):
                        cache = assign.value  # (the name is kept: the value found may be a tuple, with no .id)
            return source.segment(cache), forward.name
    return None


def _returned_names(source, name):
    """The names a learner function returns, from its docstring (``["dx", "dW", "db"]``), else None."""
    function = source.functions.get(name)
    if function is None:
        return None
    names = [n for n, _ in _docstring_section(function, "Returns")]
    return names or None


def _callee(node):
    """The called function's name for ``f(...)`` or ``module.f(...)``, else None."""
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name):
            return node.func.id
        if isinstance(node.func, ast.Attribute):
            return node.func.attr
    return None


def _quote(text, limit=70):
    text = " ".join(text.split())
    return f"`{text if len(text) <= limit else text[:limit - 3] + '...'}`"


def _declared_shapes(function, source):
    """``{name: ("N", "D")}`` from the docstrings of ``function`` and of its forward (the cache's arrays)."""
    shapes = {}
    forward = _forward_of(source, function.name)
    for owner in (function, forward):
        if owner is None:
            continue
        for name, description in _docstring_section(owner, "Parameters"):
            shape = _declared_shape(description)
            if shape and all(re.fullmatch(r"[A-Za-z_]\w*", s) for s in shape):
                shapes.setdefault(name, shape)
    return shapes


def _conflict(function, frame, source):
    """``"dout (6, 3) has M = 3, but W (4, 5) has M = 5"``: two arrays of the frame that disagree on a size the
    docstrings name alike (arrays from different layers or steps, or a cache unpacked in another order), else ''."""
    seen = {}
    for name, shape in _declared_shapes(function, source).items():
        value = frame.f_locals.get(name, _UNKNOWN)
        if not isinstance(value, np.ndarray) or value.ndim != len(shape):
            continue
        for symbol, size in zip(shape, value.shape):
            if symbol in seen and seen[symbol][1] != size:
                other, other_size, other_shape = seen[symbol]
                return (f"{other} {_shape_text(other_shape)} has {symbol} = {other_size}, but {name} "
                        f"{_shape_text(value.shape)} has {symbol} = {size}: do these arrays belong together "
                        "(the same layer, the right cache, unpacked in the right order)?")
            seen.setdefault(symbol, (name, size, value.shape))
    return ""


def _cache_order(function, source):
    """The sentence when ``function`` unpacks the cache in another order than its forward builds it, else ''."""
    built = _cache_built(source, function.name)
    if not built:
        return ""
    try:
        packed = ast.parse(built[0], mode="eval").body
    except SyntaxError:
        return ""
    if not isinstance(packed, ast.Tuple) or not all(isinstance(e, ast.Name) for e in packed.elts):
        return ""
    order = [e.id for e in packed.elts]
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id == "cache" \
                and isinstance(node.targets[0], ast.Tuple) and all(isinstance(e, ast.Name) for e in node.targets[0].elts):
            names = [e.id for e in node.targets[0].elts]
            if len(names) == len(order) and sorted(names) == sorted(order) and names != order:
                return (f"{_quote(source.segment(node))} unpacks the cache in another order than your {built[1]} "
                        f"builds it, {built[0]}: each name gets another array's value")
    return ""


def _documented_order(function, source):
    """``slope, x = cache`` where the docstring says the cache is ``(x, slope)``: the sentence, else ''."""
    for name, description in _docstring_section(function, "Parameters"):
        if " | " not in description:
            continue  # only what the docstring says the value holds, not its type line's shape
        said = re.search(r"\(\s*(\w+(?:\s*,\s*\w+)+)\s*\)", re.sub(r"[`*]", "", description.split(" | ", 1)[1]))
        if not said:
            continue
        order = [n.strip() for n in said.group(1).split(",")]
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id == name \
                    and isinstance(node.targets[0], ast.Tuple) \
                    and all(isinstance(e, ast.Name) for e in node.targets[0].elts):
                names = [e.id for e in node.targets[0].elts]
                if len(names) == len(order) and sorted(names) == sorted(order) and names != order:
                    return (f"{_quote(source.segment(node))} unpacks {name} in another order than it holds, "
                            f"({', '.join(order)}) (see the docstring): each name gets the other value")
    return ""


def _stem(name):
    return re.sub(r"(_?\d+|_(prev|next|t|new))$", "", name)


def _call_unpack_order(function, source):
    """``dW2, dh, db2 = linear_backward(...)`` where linear_backward returns (dx, dW, db): the sentence, else ''."""
    for node in ast.walk(function):
        if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple)
                and isinstance(node.value, ast.Call)):
            continue
        callee = _callee(node.value)
        returned = _returned_names(source, callee) if callee else None
        targets = node.targets[0].elts
        if not returned or len(returned) != len(targets):
            continue
        for i, target in enumerate(targets):
            if not isinstance(target, ast.Name):
                continue
            stem = _stem(target.id)
            if stem != _stem(returned[i]) and stem in [_stem(r) for r in returned]:
                j = [_stem(r) for r in returned].index(stem)
                return (f"{_quote(source.segment(node))}: {callee} returns ({', '.join(returned)}) in that order, so "
                        f"{target.id} gets {returned[i]}, not {returned[j]}; unpack in the order it returns")
    return ""


def _tokens(node):
    """The words of an argument's name (``cache_relu`` -> {"cache", "relu"}; ``params["W1"]`` -> {"params", "w"})."""
    words = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            words.append(sub.id)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            words.append(sub.value)
    return {w.lower() for word in words for w in re.split(r"[_\d]+", word) if w}


def _call_argument_order(function, source):
    """``relu_backward(cache_relu, dh)`` where relu_backward takes (dout, cache): the sentence, else ''."""
    for node in ast.walk(function):
        callee = _callee(node) if isinstance(node, ast.Call) else None
        target = source.functions.get(callee) if callee else None
        if target is None or target is function or len(node.args) < 2:
            continue
        params = [a.arg.lower() for a in target.args.args]
        args = [_tokens(a) for a in node.args]
        for i, words in enumerate(args[:len(params)]):
            for j, other in enumerate(args[:len(params)]):
                if i != j and params[i] not in words and params[j] in words and params[j] not in other:
                    shown = ", ".join(a.arg for a in target.args.args)
                    return (f"{_quote(source.segment(node))} passes {source.segment(node.args[i])} as "
                            f"{target.args.args[i].arg}, but {target.name} takes ({shown}): are the arguments in "
                            "the wrong order?")
    return ""


def _order_problems(function, source):
    return _cache_order(function, source) or _documented_order(function, source) \
        or _call_unpack_order(function, source) or _call_argument_order(function, source)


_NOTES = {}


def notes(fn):
    """What the learner's ``fn`` (and the learner functions it calls) unpack in another order than their own file
    builds or documents it: a sentence, or ''. Read from the source only; nothing is run.

    The sandbox's child calls it on every graded function (cached per function), and the runner shows it when the
    check fails: an unpacking in the wrong order is the cause that the numbers alone cannot name.
    """
    code = getattr(fn, "__code__", None)
    if code is None:
        return ""
    key = (code.co_filename, code.co_firstlineno, code.co_name)
    if key not in _NOTES:
        try:
            source = _Source(code.co_filename, _FakeFrame(getattr(fn, "__globals__", {})))
            function = source.functions.get(code.co_name) if source.tree is not None else None
            found = ""
            if function is not None:
                called = [source.functions.get(_callee(n)) for n in ast.walk(function) if isinstance(n, ast.Call)]
                for each in [function, *[c for c in called if c is not None and c is not function]]:
                    found = _order_problems(each, source)
                    if found:
                        found = found if each is function else f"in {each.name}: {found}"
                        break
            _NOTES[key] = _cut(found) if found else ""
        except Exception:  # noqa: BLE001 - a note is a bonus; never let it break grading
            _NOTES[key] = ""
    return _NOTES[key]


class _FakeFrame:
    def __init__(self, globals_):
        self.f_globals = globals_
        self.f_code = type("Code", (), {"co_filename": ""})()


_MATMUL_SIZES = re.compile(r"\(size (\d+) is different from (\d+)\)")


# -- the families ------------------------------------------------------------------------------------

def _transposed(text):
    if text.endswith(".T"):
        return text[:-2]
    return text + ".T" if re.fullmatch(r"[\w.\[\]'\"]+", text) else f"({text}).T"


def _matmul(node, statement, function, frame, source):
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        left_node, right_node = node.left, node.right
    elif isinstance(node, ast.Call) and _callee(node) in ("dot", "matmul") and len(node.args) == 2:
        left_node, right_node = node.args
    else:
        return None
    left, right = _value(left_node, frame), _value(right_node, frame)
    if not (isinstance(left, np.ndarray) and isinstance(right, np.ndarray) and left.ndim == right.ndim == 2):
        return None
    a, b = source.segment(left_node), source.segment(right_node)
    text = (f"the matrix product {_quote(source.segment(node))} multiplies {a} {_shape_text(left.shape)} by {b} "
            f"{_shape_text(right.shape)}: the inner sizes ({left.shape[1]} and {right.shape[0]}) must be equal")
    name, index = _result_name(statement, node)
    want = _expected_shape(name, function, frame, index)
    conflict = _conflict(function, frame, source)
    if conflict:
        return f"{text}; {conflict}"
    if want is None:
        fits = [f"{_transposed(a) if t1 else a} @ {_transposed(b) if t2 else b}"
                for t1, t2 in ((True, False), (False, True))
                if (left.T if t1 else left).shape[1] == (right.T if t2 else right).shape[0]]
        if len(fits) == 1:
            return f"{text}; {fits[0]} would fit: is a .T missing there (or the factors in the wrong order)?"
        return text + "; is a .T missing or misplaced, or are the two factors in the wrong order?"
    shape, why = want
    fits = []
    for swapped, (first, first_value, second, second_value) in enumerate(((a, left, b, right), (b, right, a, left))):
        for t1 in (False, True):
            for t2 in (False, True):
                x = first_value.T if t1 else first_value
                y = second_value.T if t2 else second_value
                if x.shape[1] == y.shape[0] and (x.shape[0], y.shape[1]) == tuple(shape):
                    how = ["your factors are in the wrong order"] if swapped else []
                    how += ["with a transpose changed"] if t1 or t2 else []
                    fits.append(f"{_transposed(first) if t1 else first} @ {_transposed(second) if t2 else second}"
                                f" ({' and '.join(how)})")
    label = name or (_docstring_section(function, "Returns")[index][0] if index is not None else "the result")
    text += f"; {why} {_shape_text(shape)}" if why.endswith(label) or label in why else f"; {label} {_shape_text(shape)}"
    if fits:
        text += f", which {' or '.join(fits[:2])} gives"
    return text


def _unindexed(node, statement, error, frame, source):
    """An array used whole inside a loop over ``i`` where its row ``[i]`` fits: the sentence, else None.

    ``[J(p[i]) @ dp for i in range(n)]``: the other arrays are indexed by the loop variable, ``dp`` is not. Tried
    only with the loop's own variables (names that index something in the statement and hold an int).
    """
    if not isinstance(node, ast.BinOp) or not isinstance(statement, ast.AST):
        return None
    loop = []
    for sub in ast.walk(statement):
        if isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Name) and sub.slice.id not in loop:
            held = _lookup(sub.slice.id, frame)
            if isinstance(held, (int, np.integer)) and not isinstance(held, bool):
                loop.append(sub.slice.id)
    for comprehension in (n for n in ast.walk(statement) if isinstance(n, ast.comprehension)):
        if isinstance(comprehension.target, ast.Name) and comprehension.target.id not in loop \
                and isinstance(_lookup(comprehension.target.id, frame), (int, np.integer)):
            loop.append(comprehension.target.id)
    if not loop:
        return None
    sizes = _MATMUL_SIZES.search(str(error))  # numpy's text, or harness.explain's "(here 4 and 5)"
    told = re.search(r"inner sizes must agree \(here (\d+) and (\d+)\)", str(error))
    needed = int(sizes.group(2)) if sizes else int(told.group(1)) if told else None
    for operand, other_node, side in ((node.right, node.left, "right"), (node.left, node.right, "left")):
        value = _value(operand, frame)
        if not isinstance(operand, ast.Name) or not isinstance(value, np.ndarray) or value.ndim < 2:
            continue
        other = _value(other_node, frame)
        for name in loop:
            index = int(_lookup(name, frame))
            if not -value.shape[0] <= index < value.shape[0]:
                continue
            row = value[index]
            if isinstance(node.op, ast.MatMult):
                if isinstance(other, np.ndarray) and other.ndim >= 1:
                    fits = (other.shape[-1] == row.shape[0]) if side == "right" else (row.shape[-1] == other.shape[0])
                elif needed is not None:
                    fits = (row.shape[0] if side == "right" else row.shape[-1]) == needed
                else:
                    fits = False
            else:
                try:
                    fits = isinstance(other, np.ndarray) and bool(np.broadcast_shapes(row.shape, other.shape))
                except ValueError:
                    fits = False
            if fits:
                return (f"{_quote(source.segment(node))} uses all of {operand.id} {_shape_text(value.shape)} inside "
                        f"the loop over {name}; with {operand.id}[{name}] {_shape_text(row.shape)} the shapes fit: take "
                        f"row {name} of {operand.id}, as of the other arrays")
    return None


def _transposed_product(node, left, right, frame, source):
    """``W.T @ x.T + b``: a product whose transpose would fit the other operand; the sentence, else ''."""
    for product, value, other in ((node.left, left, right), (node.right, right, left)):
        if not (isinstance(product, ast.BinOp) and isinstance(product.op, ast.MatMult) and value.ndim == 2):
            continue
        try:
            np.broadcast_shapes(value.T.shape, other.shape)
        except ValueError:
            continue
        a, b = product.left, product.right
        swapped = f"{_transposed(source.segment(b))} @ {_transposed(source.segment(a))}"
        return (f"{_quote(source.segment(product))} is {_shape_text(value.shape)}, the transpose of the "
                f"{_shape_text(value.T.shape)} that fits: the product is taken the wrong way round; write {swapped} "
                "(the rows must stay the examples)")
    return ""


def _neighbour_index(node, left, right, frame):
    """``hs[k + 1]`` where ``hs[k]`` was written: the sentence when the next or previous element would fit, else ''.

    Lists of layers or time steps are indexed by a loop variable; one off is the usual slip, and its shape tells.
    """
    for operand, other in ((node.left, right), (node.right, left)):
        for sub in ast.walk(operand):
            if not isinstance(sub, ast.Subscript) or not isinstance(_value(sub.value, frame), (list, tuple)):
                continue
            for delta in (1, -1):
                shifted = ast.BinOp(left=sub.slice, op=ast.Add() if delta > 0 else ast.Sub(), right=ast.Constant(1))
                if isinstance(sub.slice, ast.BinOp) and isinstance(sub.slice.right, ast.Constant) \
                        and isinstance(sub.slice.right.value, int) and type(sub.slice.op) in (ast.Add, ast.Sub):
                    step = sub.slice.right.value * (1 if isinstance(sub.slice.op, ast.Add) else -1) + delta
                    shifted = sub.slice.left if step == 0 else ast.BinOp(
                        left=sub.slice.left, op=ast.Add() if step > 0 else ast.Sub(), right=ast.Constant(abs(step)))
                replaced = _replace(operand, sub, ast.Subscript(value=sub.value, slice=shifted, ctx=ast.Load()))
                value = _value(replaced, frame)
                if isinstance(value, np.ndarray) and value.shape == other.shape:
                    moved = ast.Subscript(value=sub.value, slice=shifted, ctx=ast.Load())
                    was, now = ast.unparse(sub), ast.unparse(moved)
                    return (f"with {now} instead of {was} the shapes fit: is the index one off ({was} is "
                            f"{_show(_value(sub, frame))}, {now} is {_show(_value(moved, frame))})?")
    return ""


def _replace(tree, old, new):
    """A copy of ``tree`` with the node ``old`` replaced by ``new``."""
    import copy as _copy

    if tree is old:
        return new

    class Swap(ast.NodeTransformer):
        def visit(self, node):
            return new if node is old else self.generic_visit(node)

    copied = _copy.copy(tree)
    for field, value in ast.iter_fields(tree):
        if isinstance(value, ast.AST):
            setattr(copied, field, _replace(value, old, new))
        elif isinstance(value, list):
            setattr(copied, field, [_replace(v, old, new) if isinstance(v, ast.AST) else v for v in value])
    return copied


_SLOT_ERROR = re.compile(r"could not broadcast input array from shape \(([\d, ]*)\) into shape \(([\d, ]*)\)"
                         r"|non-broadcastable output operand with shape \(([\d, ]*)\) doesn't match the broadcast "
                         r"shape \(([\d, ]*)\)")


def _parse_shape(text):
    """``"3,4"`` or ``"3, 4"`` (numpy's message) -> ``(3, 4)``."""
    return tuple(int(n) for n in text.replace(" ", "").split(",") if n)


def _assignment(error, statement, source):
    """A value written into a slice (``a[...] = v`` or ``a[...] += v``) whose shape does not fit the slice."""
    match = _SLOT_ERROR.search(str(error))
    if match.group(1) is not None:
        value, slot = match.group(1), match.group(2)
    else:  # in-place operators name the slot first
        slot, value = match.group(3), match.group(4)
    value, slot = _parse_shape(value), _parse_shape(slot)
    target = statement.targets[0] if isinstance(statement, ast.Assign) and len(statement.targets) == 1 else \
        statement.target if isinstance(statement, ast.AugAssign) else None
    where = _quote(source.segment(target)) if isinstance(target, ast.Subscript) else "the left-hand side"
    text = f"the value written into {where} has shape {_shape_text(value)}, but that slot has shape {_shape_text(slot)}"
    if len(value) == len(slot) >= 2 and value == slot[::-1] and value != slot:
        return (f"{text}: it is the slot's shape transposed: swap the factors of the product (or the letters of "
                "an einsum's output), or add .T")
    return f"{text}: compute a value of the slot's shape (print both shapes; is a sum over an axis missing?)"


def _elementwise(node, function, frame, source):
    if not isinstance(node, ast.BinOp) or isinstance(node.op, ast.MatMult):
        return None
    left, right = _value(node.left, frame), _value(node.right, frame)
    if not (isinstance(left, np.ndarray) and isinstance(right, np.ndarray)):
        return None
    try:
        np.broadcast_shapes(left.shape, right.shape)
        return None
    except ValueError:
        pass
    from bplab.grading.harness import _lost_axis

    a, b = source.segment(node.left), source.segment(node.right)
    text = (f"{_quote(source.segment(node))} combines {a} {_shape_text(left.shape)} with {b} "
            f"{_shape_text(right.shape)} entry by entry, and the shapes do not fit (sizes must be equal, or 1, on "
            "each axis counted from the right)")
    if isinstance(node.op, ast.Mult) and left.ndim == right.ndim == 2 and left.shape[1] == right.shape[0]:
        return f"{text}; * multiplies entry by entry: the matrix product is {a} @ {b}"
    turned = _transposed_product(node, left, right, frame, source)
    if turned:
        return turned
    lost = _lost_axis(f"{_shape_text(left.shape)} {_shape_text(right.shape)}")
    if lost:
        return f"{text}; {lost}"
    neighbour = _neighbour_index(node, left, right, frame)
    if neighbour:
        return f"{text}; {neighbour}"
    if left.ndim == right.ndim == 2 and left.shape == right.shape[::-1]:
        names = [(n, v) for n, v in ((node.left, left), (node.right, right)) if isinstance(n, ast.Name)]
        origin = next((o for n, _ in names for o in [_assigned_from(function, n.id, source)] if o), "")
        return (f"{text}; one is the other's shape transposed: is a .T missing, or an array built with its sizes "
                "in the wrong order" + (f" ({_quote(origin)})?" if origin else "?"))
    reduced = _wrong_reduction(node, left, right, function, frame, source)
    if reduced:
        return f"{text}; {reduced}"
    conflict = _conflict(function, frame, source)
    return text + (f"; {conflict}" if conflict else "; is one of them the wrong array, or a sum over the wrong axis?")


_REDUCTIONS = {"mean", "var", "std", "sum", "max", "min", "prod", "median", "amax", "amin", "nanmean", "nansum"}


def _reduction(statement):
    """``(reduced expression, axis)`` when ``statement`` assigns a reduction over one constant axis, else None."""
    call = statement.value if isinstance(statement, ast.Assign) else None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in _REDUCTIONS):
        return None
    module = isinstance(call.func.value, ast.Name) and call.func.value.id in ("np", "numpy")
    reduced = (call.args[0] if call.args else None) if module else call.func.value
    positional = call.args[1:2] if module else call.args[:1]
    axis = next((k.value for k in call.keywords if k.arg == "axis"), positional[0] if positional else None)
    if reduced is None or not (isinstance(axis, ast.Constant) and isinstance(axis.value, int)):
        return None
    keep = any(k.arg == "keepdims" and isinstance(k.value, ast.Constant) and k.value.value for k in call.keywords)
    return reduced, axis.value, keep


def _wrong_reduction(node, left, right, function, frame, source):
    """An operand assigned from a reduction over one axis, where another axis gives a shape that fits: which
    reduction made which shape, and the axis (named by the docstring's shape of the reduced array) that fits."""
    for side, other in ((node.left, right), (node.right, left)):
        for name in [n for n in ast.walk(side) if isinstance(n, ast.Name)]:
            value = _lookup(name.id, frame)
            if not isinstance(value, np.ndarray):
                continue
            assigned = [a for a in ast.walk(function) if isinstance(a, ast.Assign) and len(a.targets) == 1
                        and isinstance(a.targets[0], ast.Name) and a.targets[0].id == name.id]
            found = _reduction(assigned[0]) if len(assigned) == 1 else None
            if found is None:
                continue
            reduced_node, axis, keep = found
            reduced = _value(reduced_node, frame)
            if not isinstance(reduced, np.ndarray) or not -reduced.ndim <= axis < reduced.ndim:
                continue
            axis %= reduced.ndim
            if tuple(np.delete(reduced.shape, axis)) != value.shape and not keep:
                continue
            fits = []
            for a in range(reduced.ndim):
                shape = tuple(1 if (i == a and keep) else n for i, n in enumerate(reduced.shape) if i != a or keep)
                try:
                    np.broadcast_shapes(shape, other.shape)
                except ValueError:
                    continue
                if a != axis:
                    fits.append((a, shape))
            if len(fits) != 1:
                continue
            a, shape = fits[0]
            what = source.segment(reduced_node)
            letters = _declared_shape(dict(_docstring_section(function, "Parameters")).get(what, ""))
            named = (f"{what} is ({', '.join(letters)}): axis {axis} is {letters[axis]}, axis {a} is {letters[a]}; "
                     if letters and len(letters) == reduced.ndim else "")
            return (f"{name.id} {_shape_text(value.shape)} comes from {_quote(source.segment(assigned[0].value))}, "
                    f"a reduction over axis {axis} of {what} {_shape_text(reduced.shape)}; {named}reducing over "
                    f"axis={a} gives {_shape_text(shape)}, which fits")
    return None


def _unpacking(error, node, statement, function, frame, source):
    message = str(error)
    if not isinstance(statement, (ast.Assign, ast.For)):
        return None
    target = statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
    value_node = statement.value if isinstance(statement, ast.Assign) else statement.iter
    if not isinstance(target, (ast.Tuple, ast.List)):
        return None
    names = source.segment(target)
    count = len(target.elts)
    got = re.search(r"got (\d+)", message)
    if "NoneType" in message:
        callee = _callee(value_node)
        if callee:
            return (f"{_quote(source.segment(statement))}: {callee} returned None, so there is nothing to unpack: "
                    f"is the return statement of {callee} missing?")
        return f"{_quote(source.segment(statement))}: {source.segment(value_node)} is None, so there is nothing to unpack"
    callee = _callee(value_node)
    if callee is not None:
        returned = _returned_names(source, callee)
        have = f" ({', '.join(returned)})" if returned else ""
        number = len(returned) if returned else (int(got.group(1)) if got else None)
        if number is None:
            return None
        return (f"{_quote(source.segment(statement))} unpacks {count} values, but {callee} returns {number}{have}: "
                f"take all {number}, in that order")
    value = _value(value_node, frame)
    if isinstance(value, (tuple, list)):
        held = f"{source.segment(value_node)} holds {len(value)} values ({', '.join(_show(v, 1) for v in value[:6])})"
        built = _cache_built(source, function.name) if source.segment(value_node) == "cache" else None
        if built:
            held += f": your {built[1]} builds it as {built[0]}"
        return f"{_quote(source.segment(statement))} unpacks {count} names ({names}), but {held}; unpack them all, in that order"
    if isinstance(value, np.ndarray):
        said = _described(function, source.segment(value_node))
        said = f"; {source.segment(value_node)} is one array here: {said}" if said else \
            "; is this the value you think it is?"
        return (f"{_quote(source.segment(statement))} unpacks an array of shape {_shape_text(value.shape)} "
                f"into {count} names, which splits its first axis ({value.shape[0] if value.ndim else 0} rows)"
                + said)
    return None


def _name_error(error, statement, function, frame, source):
    match = re.search(r"name '(\w+)' is not defined", str(error))
    if not match:
        return None
    name = match.group(1)
    where = f"{name} is not defined in {function.name}"
    if name in ("np", "numpy", "math"):
        return f"{where}: import it at the top of the file (import numpy as np)"
    assigned = [n.lineno for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == name
                and isinstance(n.ctx, ast.Store)]
    if assigned and isinstance(error, UnboundLocalError):
        return (f"{name} is used at this line before it is given a value (it is assigned at line {assigned[0]}): "
                "compute it first, or give it a starting value")
    built = _cache_built(source, function.name)
    if built and re.search(rf"\b{re.escape(name)}\b", built[0]):
        return (f"{where}: it is not an argument of {function.name}; take it out of the cache, which your {built[1]} "
                f"builds as {built[0]}")
    for parameter, _ in _docstring_section(function, "Parameters"):
        said = _described(function, parameter)
        if parameter in frame.f_locals and re.search(rf"(^|[\s(,]){re.escape(name)}\b(?!_)", said):
            return f"{where}: {parameter} holds it ({said}); take it from there ({name} = {parameter})"
    known = list(frame.f_locals) + [n for n in frame.f_globals if not n.startswith("__")]
    called = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
                 for n in ast.walk(statement)) if statement is not None else False
    if called:
        similar = [n for n in frame.f_globals if n.startswith(name) and n != function.name
                   and callable(frame.f_globals[n])][:2]
        return (f"{where}: no function {name} is defined or imported in your file"
                + (f" (there is {' and '.join(similar)}, with its own arguments and return values)" if similar else ""))
    same = [n for n in known if n.lower() == name.lower() and n != name]
    if same:
        return f"{where}: a misspelling of {same[0]}? (names are case-sensitive)"
    close = difflib.get_close_matches(name, known, n=2, cutoff=0.75)
    if close:
        return f"{where}: a misspelling of {' or '.join(close)}?"
    returned = _returned_names(source, function.name)
    if returned and name in returned:
        return f"{where}: it is never computed before this line; {function.name} must compute and return {', '.join(returned)}"
    return f"{where}: it is never assigned before this line (check its spelling, or compute it first)"


def _index_error(error, node, function, frame, source):
    if not isinstance(node, ast.Subscript):
        return None
    base = _value(node.value, frame)
    if not isinstance(base, np.ndarray):
        return None
    message = str(error)
    array, index_text = source.segment(node.value), source.segment(node.slice)
    declared = dict(_docstring_section(function, "Parameters")).get(array)
    axes = _declared_shape(declared or "")
    named = f" {'(' + ', '.join(axes) + ')'} = " if axes and len(axes) == base.ndim else " "
    head = f"{_quote(source.segment(node))}: {array} has shape{named}{_shape_text(base.shape)}"
    bounds = re.search(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)", message)
    if bounds:
        value, axis, size = (int(v) for v in bounds.groups())
        axis_name = f" ({axes[axis]})" if axes and len(axes) == base.ndim else ""
        text = f"{head}, and index {value} on its axis {axis}{axis_name} goes past its size {size}"
        fits = [k for k in range(base.ndim) if k != axis and base.shape[k] > value]
        if axis == 0 and fits and base.ndim > 1:
            which = fits[0]
            label = f" ({axes[which]})" if axes and len(axes) == base.ndim else ""
            text += (f"; does the index belong on axis {which}{label}? {array}[{', '.join([':'] * which + [index_text])}]"
                     " picks along that axis")
        return text
    if "too many indices" in message:
        return f"{head}: it has {base.ndim} axes, fewer than {_quote(index_text, 30)} indexes"
    if "could not be broadcast" in message and isinstance(node.slice, ast.Tuple):
        parts = [(source.segment(e), _value(e, frame)) for e in node.slice.elts]
        shown = ", ".join(f"{t} {_show(v)}" for t, v in parts if isinstance(v, np.ndarray))
        if shown:
            return (f"{head}; the index arrays ({shown}) pair up entry by entry, so they need the same length "
                    "(one row index per label)")
    return None


def _axis_error(error, node, frame, source):
    """``x.sum(axis=2)`` on a 2-D array: the array's axes, else None."""
    if not isinstance(node, ast.Call):
        return None
    owner = node.func.value if isinstance(node.func, ast.Attribute) and not (
        isinstance(node.func.value, ast.Name) and node.func.value.id in ("np", "numpy")) else \
        (node.args[0] if node.args else None)
    array = _value(owner, frame) if owner is not None else _UNKNOWN
    if not isinstance(array, np.ndarray):
        return None
    axes = ", ".join(str(k) for k in range(array.ndim))
    return (f"{_quote(source.segment(node))}: {source.segment(owner)} has shape {_shape_text(array.shape)}, so its "
            f"axes are {axes} (or -1 for the last): which axis holds what you reduce?")


def _operands(node):
    """The expressions ``node`` works on directly (a product's factors, a call's arguments, an attribute's owner)."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.Compare):
        return [node.left, *node.comparators]
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        return [node.value]
    if isinstance(node, ast.Call):
        return [*node.args, *(k.value for k in node.keywords)]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    return []


def _none_argument(function, name, source, frame):
    """Why an argument is None: the caller's optional value left out, or a cache the learner's forward made None."""
    if name not in [a.arg for a in function.args.args + function.args.kwonlyargs]:
        return ": a function without a return statement gives None"
    built = _cache_built(source, function.name) if name == "cache" else None
    if name == "cache" and _forward_of(source, function.name) is not None:
        return (f": your {_forward_of(source, function.name).name} returned None as its cache here (in one of its "
                "branches?); return a cache the backward can use in every case" + (f", as {built[0]}" if built
                                                                                     else ""))
    optional = [a.arg for a, d in zip(function.args.args[::-1], function.args.defaults[::-1])
                if isinstance(d, ast.Constant) and d.value is None and a.arg != name]
    given = [other for other in optional[::-1] if frame.f_locals.get(other) is not None]
    if given:
        return (f": the argument {name} was not given, {', '.join(given)} was: use the given {given[0]} when it is "
                f"not None (the docstring says which one to use when), and {name} only otherwise")
    return f": the argument {name} was not given (None): the docstring says when it is optional"


def _container_misuse(node, frame, source, function, direct=False):
    """A tuple, list or None used where an array is expected: describe it and where it came from."""
    for sub in (_operands(node) if direct else ast.walk(node)):
        if isinstance(sub, ast.Name):
            value = _lookup(sub.id, frame)
            if value is None and sub.id in frame.f_locals:
                origin = _assigned_from(function, sub.id, source)
                return (f"{sub.id} is None here" + (f" (set by {_quote(origin)}: a function without a return "
                                                    "statement gives None)" if origin else
                                                    _none_argument(function, sub.id, source, frame)))
            if isinstance(value, (tuple, list)) and not value and sub.id in frame.f_locals:
                return (f"{sub.id} is empty here ({value!r}), and numpy has nothing to work on: handle that "
                        "case before this line (the docstring says what to return when there is nothing)")
            if isinstance(value, (tuple, list)) and sub.id in frame.f_locals:
                as_dict = isinstance(node, ast.Subscript) and node.value is sub and isinstance(
                    node.slice, ast.Constant) and isinstance(node.slice.value, str)
                text = f"{sub.id} is {_show(value)}, used here as {'a dict' if as_dict else 'an array'}"
                whole = _unpacked_whole(function, sub.id, frame, source)
                if whole:
                    return f"{text}; {whole}"
                kind = dict(_docstring_section(function, "Parameters")).get(sub.id, "").lower()
                if kind.startswith("list") or isinstance(value, list) and len({_show(v, 1) for v in value}) > 1:
                    return (f"{text}: numpy cannot make one array of arrays of different shapes; work on the "
                            f"arrays of {sub.id} one by one (a loop, or sum(... for g in {sub.id}))")
                built = _cache_built(source, function.name) if sub.id == "cache" else None
                if built:
                    return f"{text}: unpack it first; your {built[1]} builds it as {built[0]}"
                origin = _assigned_from(function, sub.id, source)
                if origin and len(value) == 2:
                    return f"{text}: {_quote(origin)} gives a pair (out, cache)? unpack it: out, cache = ..."
                said = _described(function, sub.id)
                if said.startswith("("):
                    return f"{text}: it holds {said}; unpack it first ({said.split(')')[0].strip('(')} = {sub.id})"
                return f"{text}: unpack it first (a, b = {sub.id})"
    return None


def _missing_method(node, frame, source):
    """``g.norm()`` on an array: the numpy function that does it (``np.linalg.norm(g)``), else None."""
    if not isinstance(node, ast.Attribute):
        return None
    owner = _value(node.value, frame)
    if not isinstance(owner, np.ndarray):
        return None
    name, text = node.attr, source.segment(node.value)
    for module, label in ((np, "np"), (np.linalg, "np.linalg")):
        if callable(getattr(module, name, None)):
            return (f"{_quote(source.segment(node))}: a numpy array ({_shape_text(owner.shape)}) has no .{name}; "
                    f"numpy's function is {label}.{name}({text})")
    close = difflib.get_close_matches(name, [a for a in dir(owner) if not a.startswith("_")], n=2, cutoff=0.6)
    return (f"{_quote(source.segment(node))}: a numpy array has no .{name}"
            + (f" (did you mean .{' or .'.join(close)}?)" if close else ""))


# numpy's legacy ``np.random`` functions and what a ``numpy.random.Generator`` calls them
_GENERATOR_NAMES = {"rand": "random(size)", "random_sample": "random(size)", "ranf": "random(size)",
                    "sample": "random(size)", "randn": "standard_normal(size) (or normal(loc, scale, size))",
                    "randint": "integers(low, high, size)", "random_integers": "integers(low, high + 1, size)",
                    "seed": "nothing: a Generator is seeded when made, np.random.default_rng(seed)",
                    "get_state": "bit_generator.state", "set_state": "bit_generator.state = ...",
                    "tomaxint": "integers(...)"}


def _generator_method(node, frame, source):
    """``rng.rand(3, 4)`` on a ``numpy.random.Generator``: the Generator's name for the legacy function, else None."""
    node = node.func if isinstance(node, ast.Call) else node
    if not isinstance(node, ast.Attribute):
        return None
    owner = _lookup(node.value.id, frame) if isinstance(node.value, ast.Name) else _value(node.value, frame)
    if not isinstance(owner, np.random.Generator) or node.attr not in _GENERATOR_NAMES:
        return None
    text = source.segment(node.value)
    call = next((c for c in ast.walk(source.tree) if isinstance(c, ast.Call) and c.func.lineno == node.lineno
                 and c.func.col_offset == node.col_offset and c.func.end_col_offset == node.end_col_offset), None)
    sizes = [source.segment(a.value if isinstance(a, ast.Starred) else a) for a in (call.args if call else [])]
    size = sizes[0] if len(sizes) == 1 and call.args and isinstance(call.args[0], ast.Starred) else \
        f"({', '.join(sizes)})" if sizes else "shape"
    shaped = f" (it takes the shape as one tuple: size={size})" if node.attr in ("rand", "randn") else ""
    return (f"{_quote(source.segment(node))}: {text} is a numpy.random.Generator, which has no .{node.attr} "
            f"(that is the legacy np.random API); the Generator's method is {text}.{_GENERATOR_NAMES[node.attr]}"
            f"{shaped}")


def _unpacked_whole(function, name, frame, source):
    """When ``name`` got a whole element of a list of tuples by unpacking it (``a, b = caches``), say so, else ''."""
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple) \
                and isinstance(node.value, ast.Name) and any(isinstance(e, ast.Name) and e.id == name
                                                             for e in node.targets[0].elts):
            whole = frame.f_locals.get(node.value.id, _UNKNOWN)
            if isinstance(whole, (list, tuple)) and whole and all(isinstance(v, (tuple, list)) for v in whole):
                return (f"{_quote(source.segment(node))}: {node.value.id} is a {type(whole).__name__} of {len(whole)} "
                        f"{type(whole[0]).__name__}s (one per step?), so each name gets a whole one; unpack one "
                        f"element, {node.value.id}[t] (or {node.value.id}[0] for what every step shares)")
    return ""


def _assigned_from(function, name, source):
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return source.segment(node)
    return None


_AXIS_NAMES = {0: "batch", 1: "channels", 2: "height", 3: "width"}


def _pad_calls(function):
    """{name: (assignment, pad_width node)} for every ``name = np.pad(array, pad_width, ...)`` in ``function``."""
    found = {}
    for node in ast.walk(function):
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call) and _callee(node.value) == "pad" and len(node.value.args) >= 2):
            found[node.targets[0].id] = (node, node.value.args[1])
    return found


def _reaching(names, function, depth=3):
    """``names`` and the names they were assigned from, ``depth`` assignments back."""
    seen, frontier = set(names), set(names)
    for _ in range(depth):
        step = set()
        for node in ast.walk(function):
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id in frontier for t in targets):
                    step |= {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
        frontier = step - seen
        seen |= step
    return seen


def _padding(statement, function, frame, source):
    """A 4-D np.pad on the batch/channel axes, or the unpadded input used where its padded copy belongs, or None.

    Convolutions pad only the spatial axes; both mistakes crash later, on a line that shows only shapes.
    """
    if statement is None:
        return None
    used = {n.id for n in ast.walk(statement) if isinstance(n, ast.Name)}
    pad = frame.f_locals.get("pad")
    calls = _pad_calls(function)
    for name, (assignment, width) in calls.items():
        if name not in _reaching(used, function) or not isinstance(width, (ast.Tuple, ast.List)) \
                or len(width.elts) != 4:
            continue
        padded = [axis for axis, item in enumerate(width.elts)
                  if not (isinstance(item, (ast.Tuple, ast.List)) and all(
                      isinstance(e, ast.Constant) and e.value == 0 for e in item.elts))]
        if padded and set(padded) & {0, 1}:
            axes = " and ".join(str(a) for a in padded)
            what = " and ".join(_AXIS_NAMES[a] for a in padded)
            return (f"{_quote(source.segment(assignment))}: {name} was padded on axes {axes} ({what}); pad only the "
                    "spatial axes: ((0, 0), (0, 0), (pad, pad), (pad, pad))")
    if not isinstance(pad, (int, np.integer)) or isinstance(pad, bool) or pad <= 0:
        return None
    arrays = {k: v for k, v in frame.f_locals.items() if isinstance(v, np.ndarray) and v.ndim == 4}
    indexed = {n.value.id for n in ast.walk(statement) if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name)}
    for name in sorted(indexed & set(arrays)):  # only an array the line takes windows of
        small = arrays[name]
        for other, big in arrays.items():
            if other in used or big.shape[:2] != small.shape[:2] \
                    or big.shape[2:] != (small.shape[2] + 2 * pad, small.shape[3] + 2 * pad):
                continue
            return (f"{name} {_shape_text(small.shape)} has the unpadded input's size: the windows index the padded "
                    f"{other} {_shape_text(big.shape)} (pad = {pad} on each spatial side); use {other} (or an array "
                    "of its shape) here")
    return None


def _key_error(error, node, frame, source):
    if not isinstance(node, ast.Subscript):
        return None
    base = _value(node.value, frame)
    if not isinstance(base, dict):
        return None
    key = error.args[0] if error.args else None
    name = source.segment(node.value)
    if not base:
        return (f"{_quote(source.segment(node))}: {name} is empty ({{}}), as on a first step; read it with "
                f"{name}.get(key, default) or test `key in {name}` first")
    keys = ", ".join(repr(k) for k in base)
    close = difflib.get_close_matches(str(key), [str(k) for k in base], n=1, cutoff=0.6)
    return (f"{_quote(source.segment(node))}: {name} has the keys {keys}, not {key!r}"
            + (f" (spelled {close[0]!r} where it is stored?)" if close else "")
            + ": a key must be spelled the same where it is stored and where it is read")


_ARG_COUNT = re.compile(r"(\w+)\(\) (takes|missing) ")


def _arguments(error, node, source, frame=None):
    """A wrong number of arguments, with the function's parameters (from the learner's own ``def``)."""
    match = _ARG_COUNT.search(str(error)) or re.search(r"(\w+)\(\) got an unexpected keyword", str(error))
    if not match:
        return None
    name = match.group(1)
    function = source.functions.get(name)
    if function is None:
        return _library_signature(name, node, frame, source)
    params = [a.arg for a in function.args.args]
    documented = [n for n, _ in _docstring_section(function, "Parameters")]
    if node is not None and isinstance(node, ast.Call) and _callee(node) == name:
        return (f"{_quote(source.segment(node))} passes {len(node.args) + len(node.keywords)} arguments; "
                f"{name} takes ({', '.join(params)})")
    if documented and documented != params:
        return (f"{name} is called with the arguments its docstring lists, ({', '.join(documented)}), but your def "
                f"takes ({', '.join(params)}): keep the signature the exercise gives")
    return None


def _library_signature(name, node, frame, source):
    """A numpy call with a wrong argument: the function's own signature (its docstring's first line), else None."""
    if frame is None or not isinstance(node, ast.Call) or _callee(node) != name:
        return None
    target = _UNKNOWN
    if isinstance(node.func, ast.Attribute):
        owner = node.func.value
        base = _lookup(owner.id, frame) if isinstance(owner, ast.Name) else _UNKNOWN
        if base is np or isinstance(base, np.random.Generator) or base is np.random or base is np.linalg:
            target = getattr(base, node.func.attr, _UNKNOWN)
    doc = (getattr(target, "__doc__", None) or "").strip().splitlines() if target is not _UNKNOWN else []
    signature = next((line.strip() for line in doc if line.strip().startswith(name + "(")), "")
    if not signature:
        return None
    return f"{_quote(source.segment(node))}: its arguments are {signature}"


def _argument_order(frames, source):
    """An array where the docstring says tuple (or the reverse) at a learner function's entry: arguments swapped."""
    for depth in range(len(frames) - 1, 0, -1):
        frame, _lineno, _lasti = frames[depth]
        function = source.functions.get(frame.f_code.co_name)
        if function is None:
            continue
        wrong = []
        for name, description in _docstring_section(function, "Parameters"):
            value = frame.f_locals.get(name, _UNKNOWN)
            kind = description.split(",")[0].strip().lower()
            if kind.startswith("ndarray") and isinstance(value, (tuple, list, dict)) or \
                    kind.startswith(("tuple", "dict", "from your")) and isinstance(value, np.ndarray):
                wrong.append(f"{name} = {_show(value)}")
            if kind.startswith("ndarray") and isinstance(value, np.ndarray):
                shape = _declared_shape(description)
                if shape and len(shape) != value.ndim:
                    pair = " (an extra first axis of 2: a pair such as (out, cache) made into one array)" \
                        if value.ndim == len(shape) + 1 and value.shape[0] == 2 else ""
                    wrong.append(f"{name} has shape {_shape_text(value.shape)}, not {'(' + ', '.join(shape) + ')'}{pair}")
        if wrong:
            caller, line, lasti = frames[depth - 1]
            caller_function = source.functions.get(caller.f_code.co_name)
            statement = _statement(caller_function, line) if caller_function is not None else None
            call = _expression(statement, _position(caller, lasti))
            shown = _quote(source.segment(call)) if call is not None else f"line {line}"
            params = ", ".join(a.arg for a in function.args.args)
            return (f"called from line {line} in {caller.f_code.co_name}, {shown}: {function.name}({params}) got "
                    f"{'; '.join(wrong[:2])}: are the arguments in the wrong order, or a pair (out, cache) not unpacked?")
    return None


# -- entry point -----------------------------------------------------------------------------------------

def describe(error, path):
    """A sentence about ``error`` in terms of the learner's line, or None when there is nothing better to say.

    Parameters
    ----------
    error : BaseException
        Raised by the learner's code (its traceback still holds the frames).
    path : str
        The learner's file (absolute).

    Returns
    -------
    str or None
        The sentence, without the ``"line N in f: Type:"`` prefix.
    """
    try:
        return _describe(error, path)
    except Exception:  # noqa: BLE001 - the description must never hide the error itself
        return None


def _describe(error, path):
    frames = _frames(error, path)
    if not frames:
        if isinstance(error, (ValueError, TypeError)) and "unpack" in str(error):
            return _returned_count(error, path)
        if isinstance(error, TypeError):
            source = _Source(path, _any_frame(error))
            return _arguments(error, None, source) if source.tree is not None else None
        return None
    frame, lineno, lasti = frames[-1]
    source = _Source(path, frame)
    if source.tree is None:
        return None
    function = source.functions.get(frame.f_code.co_name) or _enclosing(source, lineno)
    if function is None:
        return None
    swapped = _argument_order(frames, source) or next(
        (found for f, _, _ in reversed(frames) if (fn := source.functions.get(f.f_code.co_name)) is not None
         for found in [_order_problems(fn, source)] if found), "")
    if swapped:
        return _cut(swapped)
    statement = _statement(function, lineno)
    node = _expression(statement, _position(frame, lasti))
    text = None
    if isinstance(error, NameError):
        text = _name_error(error, statement, function, frame, source)
    elif isinstance(error, KeyError):
        text = _key_error(error, node, frame, source)
    elif isinstance(error, np.exceptions.AxisError if hasattr(np, "exceptions") else np.AxisError):
        text = _axis_error(error, node, frame, source)
    elif isinstance(error, IndexError):
        text = _index_error(error, node, function, frame, source)
    elif isinstance(error, TypeError):
        text = _arguments(error, node, source, frame) or (_container_misuse(node, frame, source, function)
                                                   if node is not None else None)
    elif isinstance(error, AttributeError):
        text = (_container_misuse(node, frame, source, function) or _missing_method(node, frame, source)
                or _generator_method(node, frame, source)) if node is not None else None
    elif isinstance(error, ValueError):
        if "unpack" in str(error):
            text = _unpacking(error, node, statement, function, frame, source)
        elif _SLOT_ERROR.search(str(error)):
            text = _assignment(error, statement, source)
        elif node is not None:
            text = (_padding(statement, function, frame, source) or _unindexed(node, statement, error, frame, source)
                    or _matmul(node, statement, function, frame, source) or _elementwise(node, function, frame, source)
                    or _container_misuse(node, frame, source, function, direct=True))
            if text is None and any(w in str(error) for w in ("broadcast", "matmul", "aligned", "shapes do not fit")):
                from bplab.grading.harness import explain

                told = str(error) if str(error).startswith("shapes do not fit") else explain(error) or str(error)
                text = f"{_quote(source.segment(node))}: {told}"
    if text is None and isinstance(error, (ValueError, IndexError)):  # (a line numpy reports without a position)
        text = _padding(statement, function, frame, source)
    inside = None
    if text is None and isinstance(error, (ValueError, TypeError, IndexError)) and node is not None:
        text = inside = _raised_inside(error, node, statement, frame, source)
    if text and len(frames) > 1 and "called from line" not in text:
        caller, line, caller_lasti = frames[-2]
        owner = source.functions.get(caller.f_code.co_name) or _enclosing(source, line)
        call = _expression(_statement(owner, line), _position(caller, caller_lasti)) if owner is not None else None
        if call is not None:
            shapes = _names_shown(call, caller) if inside else ""  # which of the caller's inputs went in
            suffix = (f" (called from line {line} in {owner.name}: {_quote(source.segment(call))}"
                      + (f" with {shapes}" if shapes else "") + ")")
            return _cut(text, 420 - len(suffix)) + suffix
    return _cut(text) if text else None


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


def _returned_count(error, path):
    """A check unpacking a learner function's result into the wrong number of values (raised in the check's own
    frame, after the learner's function returned): what it returned, and what its docstring says it returns."""
    import inspect
    from types import SimpleNamespace

    from bplab.grading import harness

    frame, lineno = _any_frame(error), error.__traceback__
    while lineno.tb_next is not None:
        lineno = lineno.tb_next
    try:
        tree = ast.parse(inspect.getsource(frame.f_code))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    first = frame.f_code.co_firstlineno - 1
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.lineno + first == lineno.tb_lineno]
    found = next(((c, f) for c, f in ((c, _learner_callee(c, frame, path)) for c in calls) if f is not None), None)
    if found is None:
        return None
    node, fn = found
    last = harness.LAST_RETURNED
    if len(last) == 2 and last[0] is fn:
        result = last[1]
    else:  # called directly by the check (not through harness.call): call it again, only on this error path
        try:
            result = eval(compile(ast.Expression(node), "<call>", "eval"), frame.f_globals, dict(frame.f_locals))
        except Exception:  # noqa: BLE001 - then there is nothing more to say than the error itself
            return None
    expected = re.search(r"expected (\d+)", str(error))
    doc = _Source(path, SimpleNamespace(f_globals=fn.__globals__, f_code=fn.__code__)).docs.get(fn.__name__)
    doc = doc or inspect.getdoc(fn) or ""  # the exercise's docstring, even when the learner redefined it without
    names = [n for n, _ in _docstring_section(SimpleNamespace(bplab_doc=doc), "Returns")] if doc else []
    count = int(expected.group(1)) if expected else len(names)
    if isinstance(result, tuple):
        got = f"a tuple of {len(result)} values ({', '.join(type(v).__name__ for v in result[:4])})"
    else:
        shape = f" of shape {_shape_text(np.shape(result))}" if isinstance(result, np.ndarray) else ""
        kind = type(result).__name__
        got = f"1 value ({'an' if kind[0] in 'aeiou' or kind == 'ndarray' else 'a'} {kind}{shape})"
    must = f"({', '.join(names)})" if len(names) == count and names else f"{count} values"
    return f"{fn.__name__} returned {got}; it must return {must}: return {', '.join(names) or 'all of them'}"


def _raised_inside(error, node, statement, frame, source):
    """An error raised inside bplab's code (a layer's shape check) that the learner's line called: the call, the
    shapes of what it passed, and the library's message, so that the learner sees which of their inputs was wrong."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame is not frame:
        tb = tb.tb_next
    inner = tb.tb_next if tb is not None else None  # what the line called: bplab's code, past the check's wrappers
    while inner is not None and str(inner.tb_frame.f_globals.get("__name__", "")).startswith("bplab.grading"):
        inner = inner.tb_next
    inner = inner.tb_frame if inner is not None else None
    if inner is None or not str(inner.f_globals.get("__name__", "")).startswith("bplab."):
        return None  # numpy's own errors are told by the cases above; bplab's layers check their inputs
    calls = [c for c in ast.walk(statement) if isinstance(c, ast.Call)
             and c.lineno <= getattr(node, "lineno", 0) <= (c.end_lineno or 0)]
    call = node if isinstance(node, ast.Call) else (min(calls, key=lambda c: len(source.segment(c))) if calls else None)
    if call is None:
        return None
    owner = f"bplab's {getattr(inner.f_code, 'co_qualname', inner.f_code.co_name)}"
    shown = _names_shown(call, frame)
    said = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (f"{_quote(source.segment(call))} passed " + (shown or "its arguments")
            + f" to {owner}, which raised: {_cut(said, 220)}")


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
