"""Shape errors told from the learner's line: matrix products, element-wise operations, a value written into a
slice of another shape, reductions over the wrong axis, indices one off, padding.
"""

from __future__ import annotations

import ast
import re

import numpy as np

from bplab.grading.tracebacks.declared import (
    _assigned_from,
    _callee,
    _conflict,
    _declared_shape,
    _docstring_section,
    _expected_shape,
    _result_name,
)
from bplab.grading.tracebacks.reading import _UNKNOWN, _lookup, _quote, _shape_text, _show, _value

_MATMUL_SIZES = re.compile(r"\(size (\d+) is different from (\d+)\)")


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
