"""What the learner's file declares: docstring parameters, return names and shapes, the cache a forward builds,
the order of a callee's arguments and results; and the source notes (:func:`notes`) that name a cache unpacked,
a result unpacked, or arguments passed in another order than the file defines, even when nothing raises.
"""

from __future__ import annotations

import ast
import re

import numpy as np

from bplab.grading.tracebacks.reading import _UNKNOWN, _cut, _quote, _shape_text, _Source

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


def _assigned_from(function, name, source):
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return source.segment(node)
    return None
