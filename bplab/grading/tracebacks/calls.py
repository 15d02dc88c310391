"""Errors of names, containers and calls told from the learner's line: unpacking, misspelt names, missing dict
keys, None where an array was expected, legacy ``np.random`` names on a Generator, arguments in the wrong
count or order, a function returning another number of values than its caller unpacks.
"""

from __future__ import annotations

import ast
import difflib
import re

import numpy as np

from bplab.grading.tracebacks.declared import (
    _assigned_from,
    _cache_built,
    _callee,
    _declared_shape,
    _described,
    _docstring_section,
    _forward_of,
    _returned_names,
)
from bplab.grading.tracebacks.reading import (
    _UNKNOWN,
    _any_frame,
    _expression,
    _learner_callee,
    _lookup,
    _position,
    _quote,
    _shape_text,
    _show,
    _Source,
    _statement,
    _value,
)


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
